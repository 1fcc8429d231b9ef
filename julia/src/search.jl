# search.jl — to be written
