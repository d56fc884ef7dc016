account_sid = "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
twilio_auth_token = "your_auth_token"
