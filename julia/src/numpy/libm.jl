# The C library's functions, for Python-level float math (`10 ** u`, `b ** t`,
# math.exp, ...), which always calls them. numpy's ufuncs on arrays may run SIMD
# kernels instead: use np_exp, np_log, np_tanh, np_power (numpymath.jl) for those.
c_exp(x::Float64) = ccall((:exp, NumpyRandom.LIBM), Float64, (Float64,), x)
c_log(x::Float64) = NumpyRandom.c_log(x)
c_pow(x::Float64, y::Float64) = ccall((:pow, NumpyRandom.LIBM), Float64, (Float64, Float64), x, y)
c_tanh(x::Float64) = ccall((:tanh, NumpyRandom.LIBM), Float64, (Float64,), x)
