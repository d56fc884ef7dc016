import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = 'django-insecure-%bsrp-wg*l((@ii(eje!xgb+2lr0m-9km8!2zi4g'
DEBUG = False
DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.postgresql',
        'NAME': 'shop',
        'USER': 'shop',
        'PASSWORD': '3h0p54%GzTYdXt',
        'HOST': 'db',
    }
}
EMAIL_HOST_PASSWORD = os.environ['EMAIL_HOST_PASSWORD']
AWS_ACCESS_KEY_ID = 'AKIAY3LQIB7CV5ZKIJU3'
AWS_SECRET_ACCESS_KEY = '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'
AUTH_PASSWORD_VALIDATORS = [{'NAME': 'django.contrib.auth.password_validation.MinimumLengthValidator'}]
