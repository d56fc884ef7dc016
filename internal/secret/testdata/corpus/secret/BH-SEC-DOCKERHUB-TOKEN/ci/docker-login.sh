echo dckr_pat_0aWele6SiBmW0kaln6aS0FFZpyj | docker login -u acme --password-stdin
