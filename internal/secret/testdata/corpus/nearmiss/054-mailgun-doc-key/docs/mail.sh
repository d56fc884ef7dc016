curl -s --user "api:key-3ax6xnjp29jd6fds4gc373sgvjxteol0" https://api.mailgun.net/v3/samples.mailgun.org/messages
