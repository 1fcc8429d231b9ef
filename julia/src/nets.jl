# nets.jl — to be written
