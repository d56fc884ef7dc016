FROM golang:1.22-bookworm
RUN go install golang.org/x/tools/gopls
