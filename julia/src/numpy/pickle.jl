# The book's pickles of numpy arrays, read by a restricted pickle machine (twin of
# pyref.fileio's read_pickle): the opcodes of protocols 2-5 that dicts, lists, numbers,
# strings and numpy arrays use, and only numpy's array and dtype globals.

"""The only globals a pickle of numpy arrays refers to (numpy 1's `numpy.core`, numpy 2's
`numpy._core`; `_frombuffer` for protocol 5), in pyref.fileio's order."""
const PICKLE_GLOBALS = ("numpy.ndarray", "numpy.dtype", "numpy.core.multiarray._reconstruct",
                        "numpy._core.multiarray._reconstruct", "numpy.core.numeric._frombuffer",
                        "numpy._core.numeric._frombuffer")

struct _PickleGlobal
    name::String
end
struct _PickleMark end
mutable struct _PickleDtype
    name::String
    endian::Char
end
mutable struct _PendingArray end

_refused(source, name) = ArgumentError("$source refers to $name, which pyref does not unpickle " *
    "(a parameter pickle holds dicts, lists, numbers, strings and numpy arrays; the globals admitted are " *
    "$(join(PICKLE_GLOBALS, ", ")))")

function _pickle_global(source, mod::AbstractString, name::AbstractString)
    full = "$mod.$name"
    full in PICKLE_GLOBALS || throw(_refused(source, full))
    return _PickleGlobal(full)
end

"""The Julia element type of a numpy dtype of the pickle (`f4` with `<` ...)."""
function _pickle_eltype(source, d::_PickleDtype)
    d.endian == '>' && throw(ArgumentError("$source holds big-endian $(d.name) values, which PyRef does not read"))
    descr = (d.endian == '|' ? "|" : "<") * d.name
    haskey(NPZ_DTYPES, descr) && return NPZ_DTYPES[descr]
    haskey(NPZ_DTYPES, "|" * d.name) && return NPZ_DTYPES["|" * d.name]
    throw(ArgumentError("$source holds $descr values, not numbers"))
end

"""An array of numpy's `shape` from its raw bytes in C or Fortran order, with numpy's
logical indices (`A[i, j] == a[i-1, j-1]`), as read_npy gives it."""
function _pickle_array(source, T::DataType, shape, fortran::Bool, raw::AbstractVector{UInt8})
    dims = Tuple(Int(d) for d in shape)
    n = isempty(dims) ? 1 : prod(dims)
    length(raw) == n * sizeof(T) ||
        throw(ArgumentError("$source is not a valid pickle of numpy arrays ($(length(raw)) bytes for $n values of $T)"))
    flat = ltoh.(reinterpret(T, copy(raw)))
    length(dims) <= 1 && return reshape(collect(flat), dims)
    fortran && return reshape(collect(flat), dims)
    return permutedims(reshape(collect(flat), reverse(dims)), length(dims):-1:1)
end

function _pickle_reduce(source, f, args)
    f isa _PickleGlobal || throw(ArgumentError("$source is not a valid pickle of numpy arrays (REDUCE on $(typeof(f)))"))
    if endswith(f.name, "_reconstruct")
        return _PendingArray()
    elseif f.name == "numpy.dtype"
        (args isa Tuple && !isempty(args) && args[1] isa String) ||
            throw(ArgumentError("$source is not a valid pickle of numpy arrays (a dtype without a name)"))
        return _PickleDtype(args[1], '<')
    elseif endswith(f.name, "_frombuffer")
        (args isa Tuple && length(args) == 4 && args[2] isa _PickleDtype) ||
            throw(ArgumentError("$source is not a valid pickle of numpy arrays (_frombuffer's arguments)"))
        buf, d, shape, order = args
        return _pickle_array(source, _pickle_eltype(source, d), shape, order == "F", buf)
    end
    throw(ArgumentError("$source is not a valid pickle of numpy arrays (a call of $(f.name))"))
end

function _pickle_build(source, obj, state)
    if obj isa _PickleDtype
        (state isa Tuple && length(state) >= 2 && state[2] isa String) && (obj.endian = state[2][1])
        return obj
    elseif obj isa _PendingArray
        (state isa Tuple && length(state) == 5 && state[3] isa _PickleDtype) ||
            throw(ArgumentError("$source is not a valid pickle of numpy arrays (an array's state)"))
        _, shape, d, fortran, raw = state
        raw isa AbstractVector{UInt8} ||
            throw(ArgumentError("$source: an array holds Python objects, not numbers"))
        return _pickle_array(source, _pickle_eltype(source, d), shape, fortran === true, raw)
    end
    throw(ArgumentError("$source is not a valid pickle of numpy arrays (BUILD on $(typeof(obj)))"))
end

"""
    load_pickle(io, source="pickle")

What the pickle in `io` holds, rebuilt by the restricted machine: Dicts, Vectors,
Tuples, numbers, Strings, bytes and arrays. Any other global (`os.system` ...) is an
ArgumentError naming it; a truncated or damaged pickle an ArgumentError too.
"""
function load_pickle(io::IO, source::AbstractString="pickle")
    damaged(why) = ArgumentError("$source is damaged or cut short ($why)")
    stack = Any[]
    marks = Int[]
    memo = Dict{Int,Any}()
    take(n) = (b = read(io, n); length(b) == n || throw(damaged("no more data")); b)
    u8() = take(1)[1]
    le(T) = ltoh(reinterpret(T, take(sizeof(T)))[1])
    pop() = (isempty(stack) && throw(damaged("an empty stack")); pop!(stack))
    function popmark()
        isempty(marks) && throw(damaged("no MARK"))
        m = pop!(marks)
        items = stack[(m + 1):end]
        resize!(stack, m)
        return items
    end
    line() = (s = readline(io); s)
    while true
        eof(io) && throw(damaged("no more data"))
        op = read(io, UInt8)
        if op == 0x80                       # PROTO
            u8()
        elseif op == 0x95                   # FRAME
            take(8)
        elseif op == UInt8('.')             # STOP
            length(stack) == 1 || throw(damaged("$(length(stack)) values at its end"))
            return stack[1]
        elseif op == UInt8('}')             # EMPTY_DICT
            push!(stack, Dict{Any,Any}())
        elseif op == UInt8(']')             # EMPTY_LIST
            push!(stack, Any[])
        elseif op == UInt8(')')             # EMPTY_TUPLE
            push!(stack, ())
        elseif op == UInt8('(')             # MARK
            push!(marks, length(stack))
        elseif op == UInt8('X')             # BINUNICODE
            push!(stack, String(take(Int(le(UInt32)))))
        elseif op == 0x8c                   # SHORT_BINUNICODE
            push!(stack, String(take(Int(u8()))))
        elseif op == 0x8d                   # BINUNICODE8
            push!(stack, String(take(Int(le(UInt64)))))
        elseif op == UInt8('c')             # GLOBAL
            mod = line()
            push!(stack, _pickle_global(source, mod, line()))
        elseif op == 0x93                   # STACK_GLOBAL
            name = pop(); mod = pop()
            (mod isa String && name isa String) || throw(damaged("STACK_GLOBAL without names"))
            push!(stack, _pickle_global(source, mod, name))
        elseif op == UInt8('J')             # BININT
            push!(stack, Int(le(Int32)))
        elseif op == UInt8('K')             # BININT1
            push!(stack, Int(u8()))
        elseif op == UInt8('M')             # BININT2
            push!(stack, Int(le(UInt16)))
        elseif op == 0x8a                   # LONG1
            n = Int(u8())
            b = take(n)
            v = Int128(0)
            for (k, x) in enumerate(b)
                v |= Int128(x) << (8 * (k - 1))
            end
            n > 0 && b[end] >= 0x80 && (v -= Int128(1) << (8 * n))
            push!(stack, Int(v))
        elseif op == UInt8('G')             # BINFLOAT
            push!(stack, ntoh(reinterpret(Float64, take(8))[1]))
        elseif op == UInt8('N')
            push!(stack, nothing)
        elseif op == 0x88
            push!(stack, true)
        elseif op == 0x89
            push!(stack, false)
        elseif op == UInt8('t')             # TUPLE
            push!(stack, Tuple(popmark()))
        elseif op == 0x85                   # TUPLE1
            a = pop(); push!(stack, (a,))
        elseif op == 0x86                   # TUPLE2
            b = pop(); a = pop(); push!(stack, (a, b))
        elseif op == 0x87                   # TUPLE3
            c = pop(); b = pop(); a = pop(); push!(stack, (a, b, c))
        elseif op == UInt8('l')             # LIST
            push!(stack, Any[popmark()...])
        elseif op == UInt8('d')             # DICT
            items = popmark()
            push!(stack, Dict{Any,Any}(items[k] => items[k + 1] for k in 1:2:(length(items) - 1)))
        elseif op == UInt8('R')             # REDUCE
            args = pop(); f = pop()
            push!(stack, _pickle_reduce(source, f, args))
        elseif op == UInt8('b')             # BUILD
            state = pop(); obj = pop()
            push!(stack, _pickle_build(source, obj, state))
        elseif op == UInt8('C')             # SHORT_BINBYTES
            push!(stack, take(Int(u8())))
        elseif op == UInt8('B')             # BINBYTES
            push!(stack, take(Int(le(UInt32))))
        elseif op == 0x8e || op == 0x96     # BINBYTES8, BYTEARRAY8
            push!(stack, take(Int(le(UInt64))))
        elseif op == UInt8('q')             # BINPUT
            memo[Int(u8())] = stack[end]
        elseif op == UInt8('r')             # LONG_BINPUT
            memo[Int(le(UInt32))] = stack[end]
        elseif op == 0x94                   # MEMOIZE
            isempty(stack) && throw(damaged("an empty stack"))
            memo[length(memo)] = stack[end]
        elseif op == UInt8('h') || op == UInt8('j')   # BINGET, LONG_BINGET
            k = op == UInt8('h') ? Int(u8()) : Int(le(UInt32))
            haskey(memo, k) || throw(damaged("memo $k unset"))
            push!(stack, memo[k])
        elseif op == UInt8('s')             # SETITEM
            v = pop(); k = pop()
            d = stack[end]
            d isa Dict || throw(damaged("SETITEM on $(typeof(d))"))
            d[k] = v
        elseif op == UInt8('u')             # SETITEMS
            items = popmark()
            d = stack[end]
            d isa Dict || throw(damaged("SETITEMS on $(typeof(d))"))
            for k in 1:2:(length(items) - 1)
                d[items[k]] = items[k + 1]
            end
        elseif op == UInt8('a')             # APPEND
            v = pop(); push!(stack[end], v)
        elseif op == UInt8('e')             # APPENDS
            items = popmark(); append!(stack[end], items)
        else
            throw(ArgumentError("$source uses the pickle opcode 0x$(string(op, base=16, pad=2)), " *
                                "which PyRef's restricted reader does not run"))
        end
    end
end

"""
    read_pickle(path, what="file") -> Dict{String,Array}

The arrays of a pickle of a dict of numpy arrays (the book's sample_weight.pkl,
params.pkl, deep_convnet_params.pkl), read by `load_pickle`: message for message
pyref.fileio's read_pickle.
"""
function read_pickle(path::AbstractString, what::AbstractString="file")
    isempty(path) && throw(ArgumentError("no $what named: the path is empty"))
    ispath(path) || throw(ArgumentError("no $what $path"))
    isdir(path) && throw(ArgumentError("$what $path is a folder, not a pickle file"))
    b = read(path)
    isempty(b) && throw(ArgumentError("$path is empty (0 bytes), not a pickle file"))
    (length(b) >= 2 && b[1] == 0x80 && b[2] in PICKLE_PROTOCOLS) ||
        throw(ArgumentError("$path is not a pickle file (protocol 2 or later)"))
    obj = load_pickle(IOBuffer(b), path)
    obj isa Dict || throw(ArgumentError("$path holds a $(obj isa Vector ? "list" : typeof(obj)), not a dict of arrays"))
    out = Dict{String,Array}()
    for (k, v) in obj
        k isa String || throw(ArgumentError("$path: name $(repr(k)) is a $(typeof(k)), not a string"))
        (v isa Array && eltype(v) <: Number) ||
            throw(ArgumentError("$path: $k is a $(v isa Vector{Any} ? "list" : typeof(v)), not a numpy array"))
        out[k] = v
    end
    return out
end

"""
    read_arrays(path, what="file")

The named arrays of a parameter file, told by its first bytes: a pickle by
`read_pickle`, anything else by `read_npz` (pyref.fileio's read_arrays).
"""
function read_arrays(path::AbstractString, what::AbstractString="file")
    head = isfile(path) ? open(io -> read(io, 2), path) : UInt8[]
    pickled = length(head) == 2 && head[1] == 0x80 && head[2] in PICKLE_PROTOCOLS
    return pickled ? read_pickle(path, what) : read_npz(path, what)
end

export read_pickle, read_arrays, load_pickle
