curl -X POST -d @msg.json https://hooks.slack.com/services/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
