# The Julia half of `pyref bench` (twin of pyref/bench/): training steps timed inside
# Julia, against their matrix products alone; one file per section, as in Python.

"""
    Bench

`step_timing` (`bench/step.jl`) times one iteration of 6.1.8's loop (draw a minibatch,
gradient, SGD update) and, interleaved with it, the same forward and backward matrix
products alone through the same BLAS (the step's lower bound); `convnet_timing`
(`bench/convnet.jl`) does the same for a SimpleConvNet step. Both with one BLAS
thread, best of `repeats` rounds of `iterations`; `deep_convnet_timing`
(`bench/deep_convnet.jl`) for a DeepConvNet step.
"""
module Bench

using LinearAlgebra
import ..PyRef
using ..PyRef: NumpyRandom, MultiLayerNet, SGD, Adam, gradient!, gradient_buffers, update!, rows, RowBatcher, batch!,
               blas_mode, blas_info, set_numpy_blas_threads!, numpy_blas_lib, NpMatrix, np_transpose, _gemm!,
               CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, CBLAS_TRANS, SimpleConvNet, ImageBatcher, np_dot_c!, forward!,
               backward!, forward, backward, _as_nchw!, _nchw, DeepConvNet, deep_convnet_param_shapes,
               DEEP_CONV_PARAMS, _POOL_AFTER, _pool_dout, POOL_SIZE, CONVNET_INPUT_DIM, window_output_size

include("step.jl")
include("convnet.jl")
include("deep_convnet.jl")

end # module Bench
