mongoose.connect("mongodb+srv://api:Gc9Tpe8SOutXg3MmNyoK@cluster0.ab1cd.mongodb.net/prod")
