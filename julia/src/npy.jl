# .npy files: how arrays travel between numpy and PyRef (format versions 1.0, 2.0, 3.0).

"""numpy dtype strings and the Julia element types they map to."""
const NPY_DTYPES = Dict{String,DataType}(
    "<f8" => Float64, "<f4" => Float32, "<i8" => Int64, "<i4" => Int32,
    "<u4" => UInt32, "|u1" => UInt8, "<u1" => UInt8, "|b1" => Bool, "<u8" => UInt64,
)
const NPY_DESCR = Dict{DataType,String}(
    Float64 => "<f8", Float32 => "<f4", Int64 => "<i8", Int32 => "<i4",
    UInt32 => "<u4", UInt8 => "|u1", Bool => "|b1", UInt64 => "<u8",
)
const NPY_MAGIC = UInt8[0x93, UInt8('N'), UInt8('U'), UInt8('M'), UInt8('P'), UInt8('Y')]

"""
    read_npy(path) -> Array

Read a .npy file. A C-order (row-major) array becomes a Julia array with the same
logical indices (`A[i, j] == a[i-1, j-1]`); Fortran order is read as is.
"""
function read_npy(path::AbstractString)
    open(path, "r") do io
        magic = read(io, 6)
        magic == NPY_MAGIC || throw(ArgumentError("$path is not a .npy file"))
        major = read(io, UInt8)
        read(io, UInt8)
        hlen = major == 1 ? Int(ltoh(read(io, UInt16))) : Int(ltoh(read(io, UInt32)))
        header = String(read(io, hlen))
        m = match(r"'descr':\s*'([^']+)'", header)
        m === nothing && throw(ArgumentError("$path: no descr in header"))
        descr = m.captures[1]
        haskey(NPY_DTYPES, descr) || throw(ArgumentError("unsupported .npy dtype $descr in $path"))
        T = NPY_DTYPES[descr]
        fortran = occursin(r"'fortran_order':\s*True", header)
        ms = match(r"'shape':\s*\(([^)]*)\)", header)
        ms === nothing && throw(ArgumentError("$path: no shape in header"))
        dims = Tuple(parse(Int, strip(s)) for s in split(ms.captures[1], ',') if !isempty(strip(s)))
        n = prod(dims)
        data = Vector{T}(undef, n)
        read!(io, data)
        if length(dims) == 0
            A = Array{T,0}(undef)
            A[] = data[1]
            return A
        elseif length(dims) == 1 || fortran
            return reshape(data, dims)
        end
        K = length(dims)
        return permutedims(reshape(data, reverse(dims)), ntuple(i -> K + 1 - i, K))
    end
end

"""
    write_npy(path, A)

Write `A` as a version-1.0 .npy file in Fortran order (Julia's own layout: no copy),
atomically (temporary file, then rename). numpy reads it with the same indices. A
write that does not reach the disk whole (a full disk, a file size limit) is an error
naming `path`, and leaves neither the file nor its temporary behind.
"""
function write_npy(path::AbstractString, A::AbstractArray{T}) where {T}
    haskey(NPY_DESCR, T) || throw(ArgumentError("write_npy: unsupported element type $T"))
    shape = size(A)
    shape_str = length(shape) == 1 ? "($(shape[1]),)" : "(" * join(shape, ", ") * ")"
    header = "{'descr': '$(NPY_DESCR[T])', 'fortran_order': True, 'shape': $shape_str, }"
    total = 10 + length(header) + 1
    pad = (64 - total % 64) % 64
    header = header * " "^pad * "\n"
    data = A isa Array ? A : Array{T}(A)   # dense: a BitArray's chunks are not Bools
    expected = 10 + sizeof(header) + sizeof(data)
    tmp = path * ".tmp" * string(getpid())
    try
        written = open(tmp, "w") do io
            n = write(io, NPY_MAGIC) + write(io, UInt8(1), UInt8(0)) + write(io, htol(UInt16(sizeof(header)))) +
                write(io, header) + write(io, data)
            flush(io)
            n
        end
        # IOStream writes can come up short without an error: what reached the file counts.
        on_disk = filesize(tmp)
        (written == expected && on_disk == expected) ||
            error("$on_disk of $expected bytes reached the disk (is it full?)")
        mv(tmp, path; force=true)
    catch err
        rm(tmp; force=true)
        err isa InterruptException && rethrow()
        error("write_npy: could not write $path: $(sprint(showerror, err))")
    end
    return path
end
write_npy(path::AbstractString, x::Number) = write_npy(path, fill(x))

export read_npy, write_npy
