Stripe.api_key = 'sk_test_DIerMwDz1KVBz8Q1wSNrO1e0bNhLYoOP'
Braintree::Configuration.private_key = ENV['BT_KEY']
