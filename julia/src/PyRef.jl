"""
    PyRef

The Julia twin of the Python package `pyref`: chapter 6 of "Deep Learning from
Scratch" (optimizers, initialisation, Batch Normalization, weight decay, Dropout,
hyperparameter search), consuming numpy's legacy random stream in exactly the
order pyref does, so one seed gives the same numbers in both languages.

Data use the book's layout: samples in rows, so `x[i, j]` is numpy's `x[i-1, j-1]`.
Files mirror pyref's modules one to one.
"""
module PyRef

using LinearAlgebra
using Printf
using Statistics

include("NumpyRandom.jl")
using .NumpyRandom
const NR = NumpyRandom
export NumpyRandom

include("npy.jl")
include("checks.jl")
include("numpymath.jl")
include("functions.jl")
include("optimizers.jl")
include("layers.jl")
include("initialization.jl")
include("nets.jl")
include("datasets.jl")
include("trainer.jl")
include("search.jl")
include("experiments.jl")

end # module
