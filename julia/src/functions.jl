# functions.jl — to be written
