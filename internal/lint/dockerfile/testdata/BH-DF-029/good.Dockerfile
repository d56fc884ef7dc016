FROM python:3.12-slim AS build
RUN pip install build==1.2.1

FROM python:3.12-slim
RUN pip install --no-cache-dir flask==3.0.3
ENV PIP_NO_CACHE_DIR=1
RUN pip install gunicorn==22.0.0
