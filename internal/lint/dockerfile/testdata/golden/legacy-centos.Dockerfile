FROM centos:7
MAINTAINER ops-team <ops@example.com>
ENV JAVA_HOME /usr/lib/jvm/jre
ENV DB_PASSWORD=Sup3rS3cret!
RUN yum update -y
RUN yum install java-1.8.0-openjdk openssh-server sudo
RUN curl -sSL https://get.example.com/agent.sh | sh
ADD app.jar /opt/app/app.jar
ADD http://repo.example.com/config.properties /opt/app/
RUN chmod -R 777 /opt/app && cd /opt/app && ./setup.sh
EXPOSE 8080 22
WORKDIR opt/app
CMD java -jar app.jar
CMD ["java", "-jar", "/opt/app/app.jar"]
