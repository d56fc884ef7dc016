FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=true
RUN pip install build==1.2.1

FROM build
RUN pip install wheel==0.43.0 && pipx install black==24.4.2

FROM python:3.12-slim
RUN pip install --no-cache-dir flask==3.0.3
RUN PIP_NO_CACHE_DIR=1 pip install gunicorn==22.0.0
