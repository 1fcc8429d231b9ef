# trainer.jl — to be written
