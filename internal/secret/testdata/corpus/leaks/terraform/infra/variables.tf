variable "db_password" {
  type      = string
  sensitive = true
}

variable "github_token" {
  type    = string
  default = "D0hN45#tDEF30u"
}

variable "api_key_name" {
  default = "shop-frontend"
}
