"""
    PyRef.CS231n

The Julia twin of `pyref.cs231n`: Stanford CS231n's assignment 2 (fully-connected
nets) as pure function pairs with caches, the sandwich layers, the update rules,
TwoLayerNet and FullyConnectedNet, the Solver and the numerical gradient checks.
One file per Python module (CIFAR-10's reader, `data_utils`, is Python's: Julia is
handed the arrays). Arrays are indexed as numpy's (`x[i, j]` is numpy's
`x[i-1, j-1]`), labels are 0-based, and every draw comes from numpy's global stream
(`NumpyRandom.global_state()`) in the order pyref.cs231n draws, so one seed gives
the same numbers. PyRef.CS231n computes in Float64.
"""
module CS231n

using LinearAlgebra
using Printf

using ..PyRef: NumpyRandom, blas_mode, c_order!, c_pow, check_choice, check_flag, check_nonnegative,
               check_nonnegative_int, check_positive, check_positive_int, check_real, np_dot!, np_exp,
               np_log, np_sum, np_transpose, sum_last, sum_rows, write_npz, argmax_rows,
               _sgd!, _momentum!, _rmsprop!, _adam_paper!

include("layers.jl")
include("layer_utils.jl")
include("optim.jl")
include("classifiers/fc_net.jl")
include("solver.jl")
include("gradient_check.jl")

end # module
