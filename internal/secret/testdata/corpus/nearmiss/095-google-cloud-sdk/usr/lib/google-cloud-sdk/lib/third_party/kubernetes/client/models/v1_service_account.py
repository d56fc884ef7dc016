  swagger_types = {
      'api_version': 'str',
      'automount_service_account_token': 'bool',
      'image_pull_secrets': 'list[V1LocalObjectReference]',
      'kind': 'str',
      'metadata': 'V1ObjectMeta',
      'secrets': 'list[V1ObjectReference]'
  }
