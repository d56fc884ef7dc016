read -s -p "Password: " password
echo "password set"
