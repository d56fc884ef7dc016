variable "region" {
  default = "eu-west-1"
}

variable "db_admin_password" {
  description = "Password of the admin user"
  type        = string
  default     = "RA5pekg96OYRW8!"
  sensitive   = true
}
