proxy = "http://JeremyCline:hunter2xyz@example.com:8080/"
os.environ["http_proxy"] = "http://john.doe:p4ssw0rd@127.0.0.1:8180"
