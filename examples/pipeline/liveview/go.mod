module github.com/shmring/shmring/examples/pipeline/liveview

go 1.22

require github.com/shmring/shmring/bindings/go v0.0.0

replace github.com/shmring/shmring/bindings/go => ../../../bindings/go
