# checks.jl — to be written
