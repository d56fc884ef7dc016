def login(request):
    password = request.POST["password"]
    token = generate_token(user)
    secret = settings.SECRET_KEY
    api_key = get_api_key(request)
