# numpy's matrix products (`np.dot` of 2-D float64 arrays), bit for bit.
#
# A matrix product's last bits depend on the BLAS library, its kernels, the thread
# count and the exact call: the routine (gemm, gemv, dot, syrk), the orientation,
# the transpose flags and sizes. numpy's `cblas_matrixproduct` chooses that call
# from the operands' shapes and memory layouts. In `:numpy` mode PyRef calls the
# very OpenBLAS file numpy loaded, with numpy's thread count and exactly numpy's
# call, on the operands laid out in memory as numpy holds them (`NpMatrix`: the
# Affine layers keep their inputs and results C-ordered, and copy only the weights
# in and their gradients out). In `:native` mode PyRef uses Julia's own BLAS on its
# own layout (equal to numpy's only up to the last bits).
#
# pyref passes numpy's library to every Julia it starts (pyref/runtime/numpyblas.py):
#   PYREF_JULIA_BLAS            numpy | native: the mode this process starts in
#   PYREF_NUMPY_BLAS_LIB        the shared library numpy loaded
#   PYREF_NUMPY_BLAS_SYMBOLS    "prefix,suffix,intbits" of its CBLAS symbols
#   PYREF_NUMPY_BLAS_THREADS    numpy's thread count
#   PYREF_NUMPY_BLAS_CORE       the kernel family numpy's OpenBLAS runs (its corename)
#   PYREF_NUMPY_BLAS_REASON     why numpy's BLAS cannot be used (when it cannot)

const ENV_JULIA_BLAS = "PYREF_JULIA_BLAS"
const ENV_NUMPY_BLAS_LIB = "PYREF_NUMPY_BLAS_LIB"
const ENV_NUMPY_BLAS_SYMBOLS = "PYREF_NUMPY_BLAS_SYMBOLS"
const ENV_NUMPY_BLAS_THREADS = "PYREF_NUMPY_BLAS_THREADS"
const ENV_NUMPY_BLAS_CORE = "PYREF_NUMPY_BLAS_CORE"
const ENV_NUMPY_BLAS_REASON = "PYREF_NUMPY_BLAS_REASON"
const BLAS_MODES = ("numpy", "native")

# CBLAS's enumerations.
const CBLAS_ROW_MAJOR = Cint(101)
const CBLAS_COL_MAJOR = Cint(102)
const CBLAS_NO_TRANS = Cint(111)
const CBLAS_TRANS = Cint(112)
const CBLAS_UPPER = Cint(121)

"""numpy's OpenBLAS, opened in this process: its entry points and settings. `I` is
its integer type: Int64 for the ILP64 builds numpy's wheels ship, Int32 for LP64."""
mutable struct NumpyBlasLib{I<:Union{Int32,Int64}}
    path::String
    core::String
    threads::Int
    dgemm::Ptr{Cvoid}
    dgemv::Ptr{Cvoid}
    dsyrk::Ptr{Cvoid}
    ddot::Ptr{Cvoid}
    set_threads::Ptr{Cvoid}
end

# The mode (:numpy or :native) and, once opened, the library; `nothing` = not yet chosen.
const _BLAS_MODE = Ref{Symbol}(:unset)
const _BLAS_LIB = Ref{Any}(nothing)
const _BLAS_REASON = Ref{String}("")

"""An error in the configuration of numpy's BLAS (a missing file, a wrong symbol)."""
struct NumpyBlasError <: Exception
    msg::String
end
Base.showerror(io::IO, e::NumpyBlasError) = print(io, "NumpyBlasError: ", e.msg)

function _symbol(handle::Ptr{Cvoid}, prefix::AbstractString, name::AbstractString, suffix::AbstractString,
                 path::AbstractString)
    sym = string(prefix, name, suffix)
    ptr = Libdl.dlsym_e(handle, sym)
    ptr == C_NULL && throw(NumpyBlasError("$path has no symbol $sym (from $ENV_NUMPY_BLAS_SYMBOLS)"))
    return ptr
end

"""Open numpy's OpenBLAS as the environment describes it, with numpy's kernels and threads."""
function _open_numpy_blas()::NumpyBlasLib
    path = get(ENV, ENV_NUMPY_BLAS_LIB, "")
    isempty(path) && throw(NumpyBlasError("$ENV_JULIA_BLAS=numpy needs $ENV_NUMPY_BLAS_LIB, the BLAS library " *
                                          "numpy loaded (pyref sets it for every Julia it starts)"))
    isfile(path) || throw(NumpyBlasError("numpy's BLAS library $path ($ENV_NUMPY_BLAS_LIB) does not exist"))
    parts = split(get(ENV, ENV_NUMPY_BLAS_SYMBOLS, ",,64"), ',')
    length(parts) == 3 && parts[3] in ("32", "64") ||
        throw(NumpyBlasError("$ENV_NUMPY_BLAS_SYMBOLS must be \"prefix,suffix,32|64\", got $(repr(ENV[ENV_NUMPY_BLAS_SYMBOLS]))"))
    prefix, suffix, bits = parts
    threads = tryparse(Int, get(ENV, ENV_NUMPY_BLAS_THREADS, "1"))
    (threads === nothing || threads < 1) &&
        throw(NumpyBlasError("$ENV_NUMPY_BLAS_THREADS must be a positive integer, got $(repr(ENV[ENV_NUMPY_BLAS_THREADS]))"))
    core = get(ENV, ENV_NUMPY_BLAS_CORE, "")
    # OpenBLAS picks its kernels when it is loaded, from OPENBLAS_CORETYPE if set:
    # load it with numpy's, whatever this process's own OpenBLAS was told.
    saved = get(ENV, "OPENBLAS_CORETYPE", nothing)
    isempty(core) || (ENV["OPENBLAS_CORETYPE"] = core)
    handle = try
        Libdl.dlopen(path, Libdl.RTLD_LOCAL | Libdl.RTLD_NOW)
    catch err
        throw(NumpyBlasError("cannot open numpy's BLAS library $path: $(sprint(showerror, err))"))
    finally
        saved === nothing ? delete!(ENV, "OPENBLAS_CORETYPE") : (ENV["OPENBLAS_CORETYPE"] = saved)
    end
    corename = _symbol(handle, prefix, "openblas_get_corename", suffix, path)
    running = unsafe_string(ccall(corename, Cstring, ()))
    isempty(core) || lowercase(running) == lowercase(core) ||
        throw(NumpyBlasError("numpy's OpenBLAS runs $core kernels, but loaded here it chose $running"))
    lib = NumpyBlasLib{bits == "64" ? Int64 : Int32}(path, running, threads,
                       _symbol(handle, prefix, "cblas_dgemm", suffix, path),
                       _symbol(handle, prefix, "cblas_dgemv", suffix, path),
                       _symbol(handle, prefix, "cblas_dsyrk", suffix, path),
                       _symbol(handle, prefix, "cblas_ddot", suffix, path),
                       _symbol(handle, prefix, "openblas_set_num_threads", suffix, path))
    ccall(lib.set_threads, Cvoid, (Cint,), threads)
    return lib
end

function _choose_blas_mode!()::Symbol
    wanted = lowercase(strip(get(ENV, ENV_JULIA_BLAS, "")))
    wanted in ("", BLAS_MODES...) ||
        throw(ArgumentError("$ENV_JULIA_BLAS must be numpy or native, got $(repr(ENV[ENV_JULIA_BLAS]))"))
    _BLAS_REASON[] = get(ENV, ENV_NUMPY_BLAS_REASON, "")
    if wanted == "native" || (wanted == "" && isempty(get(ENV, ENV_NUMPY_BLAS_LIB, "")))
        isempty(_BLAS_REASON[]) && wanted == "" && (_BLAS_REASON[] = "no numpy BLAS given ($ENV_NUMPY_BLAS_LIB unset)")
        wanted == "native" && isempty(_BLAS_REASON[]) && (_BLAS_REASON[] = "$ENV_JULIA_BLAS=native")
        return :native
    end
    return :numpy
end

"""The current BLAS mode, chosen on first use from the environment."""
function blas_mode()::Symbol
    if _BLAS_MODE[] === :unset
        mode = _choose_blas_mode!()
        ccall(:jl_generating_output, Cint, ()) == 0 || return mode   # never baked into a cache
        _BLAS_MODE[] = mode
    end
    return _BLAS_MODE[]
end

"""numpy's library, opened on first use."""
function numpy_blas_lib()
    lib = _BLAS_LIB[]
    lib === nothing || return lib
    lib = _open_numpy_blas()
    _BLAS_LIB[] = lib
    return lib
end

"""
    set_blas_mode!(mode)

Switch every matrix product of PyRef to `"numpy"` (numpy's OpenBLAS, numpy's call:
bit for bit) or `"native"` (Julia's BLAS). Returns `blas_info()`.
"""
function set_blas_mode!(mode::Union{AbstractString,Symbol})
    m = check_choice("mode", String(mode), BLAS_MODES)
    m == "numpy" && numpy_blas_lib()   # fails here, clearly, if it cannot be opened
    _BLAS_MODE[] = Symbol(m)
    m == "native" && (_BLAS_REASON[] = "chosen")
    return blas_info()
end

"""
    set_numpy_blas_threads!(n)

Use `n` threads in numpy's OpenBLAS here, as numpy does in the calling process (the
thread count changes the last bits of some products).
"""
function set_numpy_blas_threads!(n::Integer)
    lib = numpy_blas_lib()
    lib.threads = check_positive_int("n", n)
    ccall(lib.set_threads, Cvoid, (Cint,), lib.threads)
    return lib.threads
end

"""What the matrix products run on: mode, library, kernels, threads (for reports)."""
function blas_info()::Dict{String,Any}
    mode = blas_mode()
    if mode === :numpy
        lib = numpy_blas_lib()
        return Dict{String,Any}("mode" => "numpy", "library" => lib.path, "core" => lib.core,
                                "threads" => lib.threads)
    end
    return Dict{String,Any}("mode" => "native", "library" => julia_blas_name(),
                            "threads" => _julia_blas_threads(), "reason" => _BLAS_REASON[])
end

"""Which BLAS Julia's own matrix products go through (its name and configuration)."""
function julia_blas_name()::String
    isdefined(BLAS, :get_config) && return string(BLAS.get_config())      # Julia >= 1.7
    isdefined(BLAS, :openblas_get_config) && return String(strip(BLAS.openblas_get_config()))
    return string(BLAS.vendor())
end

_julia_blas_threads() = isdefined(BLAS, :get_num_threads) ? BLAS.get_num_threads() :
                        Int(ccall((BLAS.@blasfunc(openblas_get_num_threads), Base.libblas_name), Cint, ()))

# --------------------------------------------------------------------------
# numpy's arrays as they lie in memory
# --------------------------------------------------------------------------

"""
    NpMatrix(data, rows, cols, fortran)

A numpy float64 matrix as numpy holds it: `data` has its elements in numpy's memory
order (a C-ordered matrix's rows are the columns of `data`; a Fortran-ordered one's
columns are), `rows × cols` is numpy's shape.
"""
struct NpMatrix
    data::Matrix{Float64}
    rows::Int
    cols::Int
    fortran::Bool
end

"""
A C-ordered matrix, as numpy holds one: the transpose of a buffer whose columns
are the matrix's rows. PyRef's weights are C-ordered, and in numpy BLAS mode so are
the Affine layers' results, so that numpy's matrix products need no reordering.
"""
const CMatrix = Transpose{Float64,Matrix{Float64}}

"""A new C-ordered `rows × cols` matrix holding `values` in numpy's (row-major) order."""
c_matrix(values::Vector{Float64}, rows::Integer, cols::Integer) = transpose(reshape(values, Int(cols), Int(rows)))

"""numpy's C-ordered copy of `x` (what `np.ascontiguousarray` holds), written into `buf`."""
function c_order!(buf::Matrix{Float64}, x::AbstractMatrix{Float64})
    transpose!(buf, x)
    return NpMatrix(buf, size(x, 1), size(x, 2), false)
end

"""The transpose of a C-ordered matrix, as numpy's `.T` gives it (a Fortran-ordered view)."""
np_transpose(a::NpMatrix) = NpMatrix(a.data, a.cols, a.rows, !a.fortran)

# A dimension of 1 makes a C-ordered array F-contiguous too; numpy's gemm flags see that.
_f_contiguous(a::NpMatrix) = a.fortran || a.rows == 1 || a.cols == 1

# numpy's _select_matrix_shape.
@enum MatShape SCALAR COLUMN ROW MATRIX
_shape(a::NpMatrix) = a.rows > 1 ? (a.cols == 1 ? COLUMN : MATRIX) : (a.cols == 1 ? SCALAR : ROW)

# --------------------------------------------------------------------------
# numpy's cblas_matrixproduct
# --------------------------------------------------------------------------

function _gemm!(lib::NumpyBlasLib{I}, order, ta, tb, m, n, k, A, lda, B, ldb, C, ldc) where {I}
    ccall(lib.dgemm, Cvoid, (Cint, Cint, Cint, I, I, I, Float64, Ptr{Float64}, I, Ptr{Float64}, I, Float64,
                             Ptr{Float64}, I),
          order, ta, tb, m, n, k, 1.0, A, lda, B, ldb, 0.0, C, ldc)
end

function _gemv!(lib::NumpyBlasLib{I}, order, trans, m, n, A, lda, X, incx, Y) where {I}
    ccall(lib.dgemv, Cvoid, (Cint, Cint, I, I, Float64, Ptr{Float64}, I, Ptr{Float64}, I, Float64, Ptr{Float64}, I),
          order, trans, m, n, 1.0, A, lda, X, incx, 0.0, Y, 1)
end

function _syrk!(lib::NumpyBlasLib{I}, order, trans, n, k, A, lda, C, ldc) where {I}
    ccall(lib.dsyrk, Cvoid, (Cint, Cint, Cint, I, I, Float64, Ptr{Float64}, I, Float64, Ptr{Float64}, I),
          order, CBLAS_UPPER, trans, n, k, 1.0, A, lda, 0.0, C, ldc)
end

_ddot(lib::NumpyBlasLib{I}, n, X, incx, Y, incy) where {I} =
    ccall(lib.ddot, Float64, (I, Ptr{Float64}, I, Ptr{Float64}, I), n, X, incx, Y, incy)

"""
    np_dot_c!(c, a, b) -> NpMatrix

`np.dot(a, b)` for numpy float64 matrices `a` (L×M) and `b` (M×N), with the call
numpy's `cblas_matrixproduct` makes through numpy's OpenBLAS: a scalar operand by
multiplication, row·column by `ddot`, matrix·vector and vector·matrix by `gemv`, a
matrix times its own transpose by `syrk`, everything else by row-major `gemm`, with
numpy's transpose flags and leading dimensions. The result is written as numpy
holds it, C-ordered, into `c` (N×L: its columns are the result's rows), and
returned as an `NpMatrix` on `c`.
"""
np_dot_c!(c::Matrix{Float64}, a::NpMatrix, b::NpMatrix) = _np_dot_c!(numpy_blas_lib(), c, a, b)

function _np_dot_c!(lib::NumpyBlasLib{I}, c::Matrix{Float64}, a::NpMatrix, b::NpMatrix) where {I}
    a.cols == b.rows || throw(DimensionMismatch("shapes ($(a.rows),$(a.cols)) and ($(b.rows),$(b.cols)) not aligned"))
    L, M, N = a.rows, a.cols, b.cols
    size(c) == (N, L) || throw(DimensionMismatch("c is $(size(c)), numpy's result needs ($N, $L)"))
    result = NpMatrix(c, L, N, false)
    isempty(c) && return result
    M == 0 && (fill!(c, 0.0); return result)
    sa, sb = _shape(a), _shape(b)
    if sa == SCALAR || sb == SCALAR
        # numpy multiplies by the scalar with axpy into zeros (0 + a·b: one rounding,
        # and +0 for a product of -0), or, for a single element, directly.
        single = length(c) == 1
        @inbounds for i in 1:L, j in 1:N
            p = _at(a, i, 1) * _at(b, 1, j)
            c[j, i] = single ? p : 0.0 + p
        end
        return result
    end
    GC.@preserve a b c begin
        pa, pb, pc = pointer(a.data), pointer(b.data), pointer(c)
        if sb == COLUMN && sa != MATRIX
            # row · column: numpy's DOUBLE_dot, which sums cblas_ddot's result onto 0.
            c[1] = 0.0 + _ddot(lib, I(M), pa, I(1), pb, I(1))
        elseif sa == MATRIX && sb != MATRIX   # a vector result: its memory is the same in any order
            order, lda = !a.fortran ? (CBLAS_ROW_MAJOR, max(M, 1)) : (CBLAS_COL_MAJOR, max(L, 1))
            _gemv!(lib, order, CBLAS_NO_TRANS, I(L), I(M), pa, I(lda), pb, I(1), pc)
        elseif sa != MATRIX && sb == MATRIX
            order, ldb = !b.fortran ? (CBLAS_ROW_MAJOR, max(N, 1)) : (CBLAS_COL_MAJOR, max(M, 1))
            _gemv!(lib, order, CBLAS_TRANS, I(M), I(N), pb, I(ldb), pa, I(1), pc)
        else
            ta, lda = CBLAS_NO_TRANS, max(M, 1)
            tb, ldb = CBLAS_NO_TRANS, max(N, 1)
            _f_contiguous(a) && ((ta, lda) = (CBLAS_TRANS, max(L, 1)))
            _f_contiguous(b) && ((tb, ldb) = (CBLAS_TRANS, max(M, 1)))
            ldc = max(N, 1)
            if a.data === b.data && L == N && a.fortran != b.fortran && (ta == CBLAS_TRANS) != (tb == CBLAS_TRANS)
                # A matrix times its own transpose: syrk fills the upper triangle, numpy mirrors it.
                ta == CBLAS_NO_TRANS ? _syrk!(lib, CBLAS_ROW_MAJOR, ta, I(N), I(M), pa, I(lda), pc, I(ldc)) :
                                       _syrk!(lib, CBLAS_ROW_MAJOR, ta, I(N), I(M), pb, I(ldb), pc, I(ldc))
                for i in 1:L, j in (i + 1):N
                    c[i, j] = c[j, i]   # c[col, row]: numpy's R[j, i] = R[i, j]
                end
            else
                _gemm!(lib, CBLAS_ROW_MAJOR, ta, tb, I(L), I(N), I(M), pa, I(lda), pb, I(ldb), pc, I(ldc))
            end
        end
    end
    return result
end

"""
    np_dot!(out, a, b) -> out

`np_dot_c!`'s result written into `out` (L×N, Julia's layout).
"""
function np_dot!(out::AbstractMatrix{Float64}, a::NpMatrix, b::NpMatrix)
    size(out) == (a.rows, b.cols) ||
        throw(DimensionMismatch("out is $(size(out)), the product is ($(a.rows), $(b.cols))"))
    return transpose!(out, np_dot_c!(Matrix{Float64}(undef, b.cols, a.rows), a, b).data)
end

# Element (i, j) of numpy's matrix `a`.
_at(a::NpMatrix, i::Int, j::Int) = a.fortran ? a.data[i, j] : a.data[j, i]

"""`np.dot(x, w)` of two C-ordered matrices, as a new matrix (numpy's BLAS in `:numpy`
mode, Julia's in `:native` mode)."""
function np_dot(x::AbstractMatrix, w::AbstractMatrix)
    out = Matrix{Float64}(undef, size(x, 1), size(w, 2))
    blas_mode() === :native && return mul!(out, _tofloat(x), _tofloat(w))
    size(x, 2) == size(w, 1) || throw(DimensionMismatch("shapes $(size(x)) and $(size(w)) not aligned"))
    xf, wf = _tofloat(x), _tofloat(w)
    return np_dot!(out, c_order!(similar(xf, size(xf, 2), size(xf, 1)), xf),
                   c_order!(similar(wf, size(wf, 2), size(wf, 1)), wf))
end

export blas_mode, blas_info, set_blas_mode!, set_numpy_blas_threads!, np_dot, np_dot!, np_dot_c!, NpMatrix, CMatrix
