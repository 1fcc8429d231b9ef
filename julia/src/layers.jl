# layers.jl — to be written
