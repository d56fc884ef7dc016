cached = {"AWS::ApiGateway::ApiKey": "4820a4d6e5b9e6f0c3f3b2f1d0e9c8b7a6f5e4d3", "AWS::AppSync::ApiKey": "3d10e2f1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5"}
