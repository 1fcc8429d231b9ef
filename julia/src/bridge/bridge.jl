# The Julia end of pyref's bridges: `serve` is the worker of the executable bridge
# (twin of pyref/runtime/exe.py), which reads one JSON request per line on stdin and
# answers one JSON line on stdout; arrays travel as .npy files in a folder both sides
# share, everything else as JSON. `invoke` and `plain` also serve pyref/runtime/jlcall.py.

"""
    Bridge

Calls PyRef functions on behalf of Python. Two ways in:

- `serve()`: the `julia` executable as a persistent worker (pyref's `exe` bridge).
  Requests are JSON lines `{"id", "op", ...}` with `op` one of `call`, `include`,
  `eval`, `assign` (a global of Main), `forget`, `quit`; arrays inside arguments are `{"__npy__": path}`
  (optionally with `"key"`, kept for later `{"__cached__": key}` references).
  Answers are `{"id", "ok": true, "value", "seconds", "cached"}` or `{"id", "ok": false,
  "error": {"type", "message", "trace", "frames"}, "cached"}`; numeric arrays in values are written
  as .npy files next to the request's and named `{"__npy__": path}`; `cached` lists the
  keys of the arrays this request added to the cache (Python marks only those as sent).
  Every request is answered, also one whose line cannot be read or whose value
  cannot be written: with an error, and the worker goes on.
- `invoke(name, args, kwargs)`: the same call, for juliacall (in process).

Results are normalised first (`plain`): Dicts get String keys, tuples become
vectors, structs become Dicts of their fields, so Python sees plain data.
"""
module Bridge

using ..PyRef: read_npy, write_npy, NPY_DESCR, PYREF_VERSION

# ---------------------------------------------------------------------------
# JSON: a small reader and writer (Julia's standard library has none).
# Floats are written in shortest round-trip form, so they cross exactly.
# ---------------------------------------------------------------------------

struct JSONError <: Exception
    msg::String
end
Base.showerror(io::IO, e::JSONError) = print(io, "JSON: ", e.msg)

mutable struct Reader
    s::String
    i::Int
end

function skipws!(r::Reader)
    while r.i <= ncodeunits(r.s) && r.s[r.i] in (' ', '\t', '\n', '\r')
        r.i += 1
    end
end

function expect!(r::Reader, word::String)
    n = ncodeunits(word)
    (r.i + n - 1 <= ncodeunits(r.s) && SubString(r.s, r.i, r.i + n - 1) == word) ||
        throw(JSONError("expected $word at byte $(r.i)"))
    r.i += n
end

"""Parse one JSON document. Lists become `Vector{Any}`; `resolve` types them."""
function parse_json(s::AbstractString)
    r = Reader(String(s), 1)
    v = read_value!(r)
    skipws!(r)
    r.i > ncodeunits(r.s) || throw(JSONError("trailing characters at byte $(r.i)"))
    return v
end

function read_value!(r::Reader)
    skipws!(r)
    r.i <= ncodeunits(r.s) || throw(JSONError("unexpected end of input"))
    c = r.s[r.i]
    c == '{' && return read_object!(r)
    c == '[' && return read_array!(r)
    c == '"' && return read_string!(r)
    c == 't' && (expect!(r, "true"); return true)
    c == 'f' && (expect!(r, "false"); return false)
    c == 'n' && (expect!(r, "null"); return nothing)
    c == 'N' && (expect!(r, "NaN"); return NaN)
    c == 'I' && (expect!(r, "Infinity"); return Inf)
    return read_number!(r)
end

function read_object!(r::Reader)
    r.i += 1
    d = Dict{String,Any}()
    skipws!(r)
    if r.s[r.i] == '}'
        r.i += 1
        return d
    end
    while true
        skipws!(r)
        key = read_string!(r)
        skipws!(r)
        expect!(r, ":")
        d[key] = read_value!(r)
        skipws!(r)
        c = r.s[r.i]
        r.i += 1
        c == '}' && return d
        c == ',' || throw(JSONError("expected , or } at byte $(r.i - 1)"))
    end
end

function read_array!(r::Reader)
    r.i += 1
    items = Any[]
    skipws!(r)
    if r.s[r.i] == ']'
        r.i += 1
        return items
    end
    while true
        push!(items, read_value!(r))
        skipws!(r)
        c = r.s[r.i]
        r.i += 1
        c == ']' && return items
        c == ',' || throw(JSONError("expected , or ] at byte $(r.i - 1)"))
    end
end

"""A JSON list as the narrowest useful vector: Int, Float64, Bool, String, else Any."""
function typed(items::Vector{Any})
    isempty(items) && return items
    all(x -> x isa Bool, items) && return Bool[x for x in items]
    all(x -> x isa Int, items) && return Int[x for x in items]
    all(x -> x isa Real && !(x isa Bool), items) && return Float64[x for x in items]
    all(x -> x isa String, items) && return String[x for x in items]
    return items
end

function read_string!(r::Reader)
    r.s[r.i] == '"' || throw(JSONError("expected a string at byte $(r.i)"))
    r.i += 1
    io = IOBuffer()
    while true
        r.i <= ncodeunits(r.s) || throw(JSONError("unterminated string"))
        c = r.s[r.i]
        if c == '"'
            r.i += 1
            return String(take!(io))
        elseif c == '\\'
            e = r.s[r.i + 1]
            r.i += 2
            if e == 'u'
                code = parse(UInt32, SubString(r.s, r.i, r.i + 3); base=16)
                r.i += 4
                if 0xd800 <= code <= 0xdbff   # a surrogate pair
                    expect!(r, "\\u")
                    low = parse(UInt32, SubString(r.s, r.i, r.i + 3); base=16)
                    r.i += 4
                    0xdc00 <= low <= 0xdfff ||
                        throw(JSONError("a lone UTF-16 surrogate before byte $(r.i - 6)"))
                    code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00)
                elseif 0xdc00 <= code <= 0xdfff
                    throw(JSONError("a lone UTF-16 surrogate before byte $(r.i)"))
                end
                print(io, Char(code))
            else
                print(io, e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' :
                          e == 'f' ? '\f' : e)
            end
        else
            print(io, c)
            r.i = nextind(r.s, r.i)
        end
    end
end

function read_number!(r::Reader)
    start = r.i
    if r.s[r.i] == '-'
        r.i += 1
        if r.i <= ncodeunits(r.s) && r.s[r.i] == 'I'
            expect!(r, "Infinity")
            return -Inf
        end
    end
    while r.i <= ncodeunits(r.s) && r.s[r.i] in "0123456789+-.eE"
        r.i += 1
    end
    text = SubString(r.s, start, r.i - 1)
    isempty(text) && throw(JSONError("unexpected character at byte $start"))
    if occursin(r"[.eE]", text)
        return parse(Float64, text)
    end
    v = tryparse(Int, text)
    v === nothing && throw(JSONError(occursin(r"^-?[0-9]+$", text) ?
        "the integer at byte $start does not fit Int64" : "not a number at byte $start"))
    return v
end

write_json(io::IO, ::Nothing) = print(io, "null")
write_json(io::IO, b::Bool) = print(io, b ? "true" : "false")
write_json(io::IO, x::Integer) = print(io, x)
function write_json(io::IO, x::AbstractFloat)
    y = Float64(x)
    isnan(y) ? print(io, "NaN") : isinf(y) ? print(io, y > 0 ? "Infinity" : "-Infinity") : print(io, repr(y))
end
function write_json(io::IO, s::AbstractString)
    print(io, '"')
    for c in s
        if c == '"' || c == '\\'
            print(io, '\\', c)
        elseif c == '\n'
            print(io, "\\n")
        elseif c == '\r'
            print(io, "\\r")
        elseif c == '\t'
            print(io, "\\t")
        elseif !isvalid(c)   # only in error messages: values are checked by `plain`
            print(io, "\\ufffd")
        elseif c < ' '
            print(io, "\\u", string(UInt32(c); base=16, pad=4))
        else
            print(io, c)
        end
    end
    print(io, '"')
end
function write_json(io::IO, d::AbstractDict)
    print(io, '{')
    first = true
    for (k, v) in d
        first || print(io, ',')
        first = false
        write_json(io, string(k))
        print(io, ':')
        write_json(io, v)
    end
    print(io, '}')
end
function write_json(io::IO, v::AbstractVector)
    print(io, '[')
    for (i, x) in enumerate(v)
        i > 1 && print(io, ',')
        write_json(io, x)
    end
    print(io, ']')
end
write_json(io::IO, x) = throw(ArgumentError("cannot hand a $(typeof(x)) to Python"))
json_string(x) = sprint(write_json, x)

# ---------------------------------------------------------------------------
# Values: what Python may send, and what goes back.
# ---------------------------------------------------------------------------

"""
    plain(x)

`x` as plain data for Python: Dicts with String keys, vectors, numeric arrays,
strings, numbers, booleans and nothing. Tuples become vectors, Symbols strings,
structs Dicts of their fields (e.g. a search `Trial`).
"""
plain(x::Union{Nothing,Bool,Integer,AbstractFloat}) = x
plain(x::Number) = throw(ArgumentError(
    "cannot hand a $(typeof(x)) to Python: convert it to a Float64 (or a string) first"))
function plain(x::Union{Symbol,AbstractString,Char})
    s = String(string(x))
    isvalid(s) || throw(ArgumentError("cannot hand a $(typeof(x)) that is not valid UTF-8 to Python"))
    return s
end
plain(x::AbstractArray{<:Union{Number,Bool}}) = x
plain(x::AbstractArray) = Any[plain(v) for v in x]
plain(x::Tuple) = Any[plain(v) for v in x]
plain(x::NamedTuple) = Dict{String,Any}(string(k) => plain(v) for (k, v) in pairs(x))
plain(x::AbstractDict) = Dict{String,Any}(string(k) => plain(v) for (k, v) in x)
plain(x::Pair) = Any[plain(x.first), plain(x.second)]
function plain(x)
    T = typeof(x)
    isstructtype(T) || throw(ArgumentError("cannot hand a $T to Python"))
    return Dict{String,Any}(string(f) => plain(getfield(x, f)) for f in fieldnames(T))
end

"""Arrays Python sent, kept by key so large inputs (data sets) cross once."""
const CACHE = Dict{String,Any}()

"""The keys the current request added to `CACHE` (its answer lists them)."""
const CACHED_NOW = String[]

# A called function may change its arguments (sort!, a layer writing into its input).
# The cached array must stay what Python sent, so each use gets a copy of it. A copy
# is one memcpy: much cheaper than sending the array again (Python writes a file,
# Julia reads it back), and no dearer than the hash Python computes of the whole
# array on every call anyway; dropping the entry after each call instead would
# resend a data set on every call of a loop. The copy is garbage once the call ends.
cached_use(value::AbstractArray) = copy(value)
cached_use(value) = value

"""Replace `{"__npy__": path}` and `{"__cached__": key}` markers by the arrays they
name, and lists (`Vector{Any}`) by typed vectors where their items allow (`typed`)."""
function resolve(x)
    if x isa Dict{String,Any}
        if haskey(x, "__npy__")
            key = get(x, "key", nothing)
            # The same array twice in one request: both name its file; read it once.
            key isa String && haskey(CACHE, key) && return cached_use(CACHE[key])
            a = read_npy(x["__npy__"]::String)
            value = ndims(a) == 0 ? a[] : a
            key isa String || return value
            CACHE[key] = value
            push!(CACHED_NOW, key)
            return cached_use(value)
        elseif haskey(x, "__cached__")
            key = x["__cached__"]::String
            haskey(CACHE, key) || throw(ArgumentError("no cached array $key (the session forgot it)"))
            return cached_use(CACHE[key])
        end
        return Dict{String,Any}(k => resolve(v) for (k, v) in x)
    elseif x isa Vector{Any}
        return typed(Any[resolve(v) for v in x])
    end
    return x
end

"""Numeric arrays inside `x` written as .npy files under `dir`, replaced by their paths."""
function externalize(x, dir::String, prefix::String, counter::Ref{Int})
    if x isa AbstractArray{<:Union{Number,Bool}}
        counter[] += 1
        path = joinpath(dir, "$(prefix)_$(counter[]).npy")
        write_npy(path, npy_eltype(x))
        return Dict{String,Any}("__npy__" => path)
    elseif x isa AbstractDict
        return Dict{String,Any}(k => externalize(v, dir, prefix, counter) for (k, v) in x)
    elseif x isa AbstractVector
        return Any[externalize(v, dir, prefix, counter) for v in x]
    end
    return x
end

"""`a` with an element type .npy knows (Float64, Float32, Int64, ..., Bool), as a dense Array."""
function npy_eltype(a::AbstractArray{T}) where {T}
    haskey(NPY_DESCR, T) && return a isa Array ? a : Array{T}(a)
    T <: AbstractFloat && return Array{Float64}(a)
    T <: Signed && return Array{Int64}(a)
    T <: Unsigned && return Array{UInt64}(a)
    throw(ArgumentError("cannot write arrays of $T as .npy"))
end

"""The function (or value) a dotted name such as "PyRef.Scenarios.rand" names, from Main."""
function lookup(name::AbstractString)
    occursin(r"^([A-Za-z_][A-Za-z0-9_!]*\.)*([A-Za-z_][A-Za-z0-9_!]*|[-+*/\\^<>=!%&|~÷]+)$", name) ||
        throw(ArgumentError("not a qualified Julia name: \"$name\""))
    obj = Main
    for part in split(name, '.')
        sym = Symbol(part)
        (obj isa Module && isdefined(obj, sym)) ||
            throw(ArgumentError("$name: $(part) is not defined in $(obj)"))
        obj = getfield(obj, sym)
    end
    return obj
end

"""Call `name(args...; kwargs...)` with Python's arguments and return plain data."""
function invoke(name::AbstractString, args, kwargs)
    f = lookup(name)
    kw = Pair{Symbol,Any}[Symbol(string(k)) => v for (k, v) in pairs(kwargs)]
    return plain(Base.invokelatest(f, args...; kw...))
end

# ---------------------------------------------------------------------------
# The worker loop.
# ---------------------------------------------------------------------------

function error_info(err, bt)
    trace = sprint(Base.show_backtrace, bt)
    return Dict{String,Any}("type" => string(nameof(typeof(err))),
                            "message" => sprint(showerror, err),
                            "trace" => length(trace) > 4000 ? trace[1:prevind(trace, 4000)] : trace,
                            "frames" => user_frames(bt))
end

# ---------------------------------------------------------------------------
# The stack frames of users' files (pyref parity's ERROR rows, pyref verify).
# ---------------------------------------------------------------------------

"""PyRef's own sources (julia/src): their frames are not the user's."""
const PYREF_SRC = normpath(joinpath(@__DIR__, ".."))
"""At most this many user frames are reported (a runaway recursion has thousands)."""
const MAX_USER_FRAMES = 20

"""
    user_frames(bt) -> Vector{String}

The stack frames of the backtrace `bt` that lie in users' files: an existing file
outside PyRef's sources and outside Julia itself (Base, the standard library),
innermost first, as `"function at file:line"`; at most `MAX_USER_FRAMES`.
"""
function user_frames(bt)
    frames = String[]
    julia_dir = normpath(Sys.BINDIR, "..")
    for fr in stacktrace(bt)
        file = String(fr.file)
        (isabspath(file) && isfile(file)) || continue
        startswith(normpath(file), PYREF_SRC) && continue
        startswith(normpath(file), julia_dir) && continue
        func = string(fr.func)
        # A keyword function's frames: its body "#f#12" is f; its sorter ("f##kw",
        # "kwcall") only passes the keywords on, at the line f is defined.
        (endswith(func, "##kw") || func == "kwcall") && continue
        m = match(r"^#(.+)#\d+$", func)
        m === nothing || (func = String(m.captures[1]))
        push!(frames, "$(func) at $(file):$(fr.line)")
        length(frames) == MAX_USER_FRAMES && break
    end
    return frames
end

function handle(req::Dict{String,Any}, dir::String)
    op = get(req, "op", "call")
    if op == "call"
        # Each positional argument on its own: 1.0 and 10 stay a Float64 and an Int.
        args = Any[resolve(v) for v in get(req, "args", Any[])::Vector{Any}]
        kwargs = resolve(get(req, "kwargs", Dict{String,Any}()))
        value = invoke(req["fn"]::String, args, kwargs)
        return externalize(value, dir, "r$(req["id"])", Ref(0))
    elseif op == "include"
        Base.include(Main, req["path"]::String)
        return nothing
    elseif op == "eval"
        value = include_string(Main, req["code"]::String, "pyref-bridge")
        return externalize(plain(value), dir, "r$(req["id"])", Ref(0))
    elseif op == "assign"
        name = req["name"]::String
        occursin(r"^[A-Za-z_][A-Za-z0-9_]*$", name) || throw(ArgumentError("not a Julia variable name: \"$name\""))
        Core.eval(Main, Expr(:(=), Symbol(name), resolve(req["value"])))
        return nothing
    elseif op == "forget"
        empty!(CACHE)
        return nothing
    end
    throw(ArgumentError("unknown bridge op \"$op\""))
end

"""What PyRef's matrix products run on (`PyRef.blas_info()`), or why that is unknown."""
function matmul_info()
    try
        return Main.PyRef.blas_info()
    catch err
        return Dict{String,Any}("mode" => "error", "error" => sprint(showerror, err))
    end
end

"""The id of a request line, read without parsing the line (Python writes it first):
the answer to a line that cannot be parsed still names its request."""
function request_id(line::AbstractString)
    m = match(r"^\s*\{\s*\"id\"\s*:\s*(\d{1,18})\s*[,}]", line)
    return m === nothing ? nothing : parse(Int, m.captures[1])
end

"""Every `{"__npy__": path}` file inside `x` removed (a value that could not be sent)."""
function discard_files(x)
    if x isa AbstractDict
        haskey(x, "__npy__") && x["__npy__"] isa String && rm(x["__npy__"]; force=true)
        foreach(discard_files, values(x))
    elseif x isa AbstractVector{Any}
        foreach(discard_files, x)
    end
end

"""The JSON answer to one request line, or `nothing` for `quit`. Never throws:
errors, also in reading the line or writing the answer, become error answers."""
function answer(line::AbstractString, dir::String)
    id = request_id(line)
    empty!(CACHED_NOW)
    reply = try
        req = parse_json(line)
        req isa Dict{String,Any} || throw(JSONError("a request must be a JSON object"))
        id = get(req, "id", id)
        get(req, "op", "") == "quit" && return nothing
        started = time()
        value = handle(req, dir)
        Dict{String,Any}("id" => id, "ok" => true, "value" => value, "seconds" => time() - started)
    catch err
        Dict{String,Any}("id" => id, "ok" => false, "error" => error_info(err, catch_backtrace()))
    end
    reply["cached"] = copy(CACHED_NOW)
    flush(stdout)   # what the call printed (redirected to stderr), before the answer
    flush(stderr)
    return try
        json_string(reply)   # a value JSON cannot carry (π, 1//3, 2im) throws here
    catch err
        discard_files(get(reply, "value", nothing))
        json_string(Dict{String,Any}("id" => id, "ok" => false, "cached" => copy(CACHED_NOW),
                                     "error" => error_info(err, catch_backtrace())))
    end
end

"""
    serve(dir)

Answer requests from stdin until it closes or a `quit` arrives. Julia's own stdout
is redirected to stderr, so prints from called code never corrupt the protocol.
"""
function serve(dir::AbstractString=tempdir())
    proto = stdout
    redirect_stdout(stderr)
    hello = Dict{String,Any}("ready" => true, "julia_version" => string(VERSION), "pid" => getpid(),
                             "pyref_version" => string(PYREF_VERSION), "blas" => Main.PyRef.julia_blas_name(), "matmul" => matmul_info(),
                             "numpy_math" => plain(Main.PyRef.numpy_math_mode()))
    println(proto, json_string(hello))
    flush(proto)
    while !eof(stdin)
        line = readline(stdin)
        isempty(strip(line)) && continue
        text = answer(line, String(dir))
        text === nothing && break
        println(proto, text)
        flush(proto)
    end
    return nothing
end

end # module Bridge
