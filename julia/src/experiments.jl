# experiments.jl — to be written
