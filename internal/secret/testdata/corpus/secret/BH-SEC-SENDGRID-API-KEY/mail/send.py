sg = SendGridAPIClient("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")
