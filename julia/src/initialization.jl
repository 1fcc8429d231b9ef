# initialization.jl — to be written
