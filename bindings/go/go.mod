module github.com/shmring/shmring/bindings/go

go 1.22
