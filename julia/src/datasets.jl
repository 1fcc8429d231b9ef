# datasets.jl — to be written
