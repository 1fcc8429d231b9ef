# optimizers.jl — to be written
