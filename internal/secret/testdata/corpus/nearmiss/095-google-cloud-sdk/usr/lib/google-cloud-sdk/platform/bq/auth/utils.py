_CLOUD_CLI_CLIENT_SECRET = 'ZmssLNjJy2998hD4CTg2ejr2'
_CLOUD_CLI_CLIENT_USER_AGENT = 'google-cloud-sdk' + os.environ.get(
    'CLOUDSDK_VERSION', bq_utils.VERSION_NUMBER
)

_BQ_CLI_CLIENT_ID = '977385342095.apps.googleusercontent.com'
_BQ_CLI_CLIENT_SECRET = 'wbER7576mc_1YOII0dGk7jEE'
