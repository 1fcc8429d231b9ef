"""
    PyRef

The Julia twin of the Python package `pyref`: chapters 6 and 7 of "Deep Learning from
Scratch" (optimizers, initialisation, Batch Normalization, weight decay, Dropout,
hyperparameter search; im2col, convolution, pooling, SimpleConvNet), chapter 5's
computational graph and layered TwoLayerNet, chapter 8's DeepConvNet, consuming numpy's legacy random stream in exactly the
order pyref does, so one seed gives the same numbers in both languages.

Data use the book's layout: samples in rows, so `x[i, j]` is numpy's `x[i-1, j-1]`;
images are (N, C, H, W) arrays indexed as numpy's.
Files mirror pyref's modules one to one.
"""
module PyRef

using Libdl
using LinearAlgebra
using Printf
using Statistics

const PROJECT_TOML = joinpath(@__DIR__, "..", "Project.toml")
include_dependency(PROJECT_TOML)
"""PyRef's version, read from julia/Project.toml (its one source)."""
const PYREF_VERSION = VersionNumber(match(r"(?m)^version\s*=\s*\"([^\"]+)\"", read(PROJECT_TOML, String))[1])

include("numpy/NumpyRandom.jl")
using .NumpyRandom
const NR = NumpyRandom
export NumpyRandom

include("numpy/npy.jl")
include("numpy/pickle.jl")
include("checks.jl")
include("numpy/numpymath.jl")
include("numpy/numpyblas.jl")
include("numpy/libm.jl")
include("numpy/reductions.jl")
include("numpy/kaiser.jl")
include("numpy/histogram.jl")
include("functions.jl")
include("gradient.jl")
include("datasets.jl")
include("optimizers.jl")
include("layers.jl")
include("convolution.jl")
include("initialization.jl")
include("nets.jl")
include("convnet.jl")
include("simple_nets.jl")
include("deep_convnet.jl")
include("trainer.jl")
include("study/trial.jl")
include("search.jl")
include("experiments/chapter3.jl")
include("experiments/chapter4.jl")
include("experiments/chapter5.jl")
include("experiments/chapter6.jl")
include("experiments/chapter7.jl")
include("experiments/chapter8.jl")
include("cs231n/CS231n.jl")
include("experiments/cs231n.jl")
include("experiments/registry.jl")
include("parity/random_calls.jl")
include("parity/scenarios.jl")
include("parity/chapter3_scenarios.jl")
include("parity/chapter4_scenarios.jl")
include("parity/chapter5_scenarios.jl")
include("parity/chapter8_scenarios.jl")
include("parity/cs231n_scenarios.jl")
include("bench/Bench.jl")
include("bridge/bridge.jl")
include("verify/Verify.jl")

end # module
