FROM php:8.1-apache-buster
ARG COMPOSER_AUTH_TOKEN=glpat-abcdefghijklmnopqrst
RUN apt-get update && apt-get install -y libzip-dev unzip \
    && docker-php-ext-install zip pdo_mysql
RUN curl -sS https://getcomposer.org/installer | php -- --install-dir=/usr/local/bin --filename=composer
COPY . /var/www/html/
RUN cd /var/www/html && composer install --no-dev
RUN chown -R www-data:www-data /var/www/html
# bulkhead ignore=BH-DF-045
CMD apache2-foreground
