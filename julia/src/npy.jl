# npy.jl — to be written
