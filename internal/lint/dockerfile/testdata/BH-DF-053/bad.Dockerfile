FROM golang:1.22 AS build
RUN true
FROM golang:1.22 AS build
RUN true
