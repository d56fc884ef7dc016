const password = process.env.DB_PASSWORD;
const apiKey = config.get("apiKey");
