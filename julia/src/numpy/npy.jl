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

# --------------------------------------------------------------------------
# .npz files: a zip archive of .npy files, as numpy's np.savez writes them (stored,
# not compressed). Enough of the zip format to write such archives and read them.
# --------------------------------------------------------------------------

const CRC32_TABLE = let t = Vector{UInt32}(undef, 256)
    for n in 0:255
        c = UInt32(n)
        for _ in 1:8
            c = (c & 0x00000001) != 0 ? (0xedb88320 ⊻ (c >> 1)) : (c >> 1)
        end
        t[n + 1] = c
    end
    t
end

"""The zip format's CRC-32 (IEEE 802.3) of `data`."""
function crc32_ieee(data::AbstractVector{UInt8})::UInt32
    c = 0xffffffff
    @inbounds for b in data
        c = CRC32_TABLE[((c ⊻ b) & 0xff) + 1] ⊻ (c >> 8)
    end
    return c ⊻ 0xffffffff
end

"""The bytes of `A` as a .npy file."""
function npy_bytes(A::AbstractArray)
    tmp = tempname()
    try
        write_npy(tmp, A)
        return read(tmp)
    finally
        rm(tmp; force=true)
    end
end

"""
    write_npz(path, arrays)

Write `arrays` (pairs name => array) as an .npz file numpy's `np.load` reads: one
`name.npy` member each, stored uncompressed, written atomically.
"""
function write_npz(path::AbstractString, arrays)
    io = IOBuffer()
    central = IOBuffer()
    count = 0
    for (name, A) in arrays
        data = npy_bytes(A)
        fname = Vector{UInt8}(codeunits(string(name, ".npy")))
        offset = position(io)
        crc = crc32_ieee(data)
        length(data) < typemax(UInt32) || throw(ArgumentError("write_npz: $name is too large for a plain zip member"))
        for (sig, extra_head) in ((0x04034b50, false), (0x02014b50, true))
            out = extra_head ? central : io
            write(out, htol(UInt32(sig)))
            extra_head && write(out, htol(UInt16(20)))                    # version made by
            write(out, htol(UInt16(20)), htol(UInt16(0)), htol(UInt16(0)))  # version needed, flags, stored
            write(out, htol(UInt16(0)), htol(UInt16(0x21)))                # time, date (1980-01-01)
            write(out, htol(crc), htol(UInt32(length(data))), htol(UInt32(length(data))))
            write(out, htol(UInt16(length(fname))), htol(UInt16(0)))
            if extra_head   # comment length, disk, attributes, the member's offset
                write(out, htol(UInt16(0)), htol(UInt16(0)), htol(UInt16(0)), htol(UInt32(0o600 << 16)),
                      htol(UInt32(offset)))
            end
            write(out, fname)
        end
        write(io, data)
        count += 1
    end
    cd_offset = position(io)
    cd = take!(central)
    write(io, cd)
    write(io, htol(UInt32(0x06054b50)), htol(UInt16(0)), htol(UInt16(0)), htol(UInt16(count)), htol(UInt16(count)),
          htol(UInt32(length(cd))), htol(UInt32(cd_offset)), htol(UInt16(0)))
    tmp = path * ".tmp" * string(getpid())
    write(tmp, take!(io))
    mv(tmp, path; force=true)
    return path
end

_u16(b, i) = Int(ltoh(reinterpret(UInt16, b[i:(i + 1)])[1]))
_u32(b, i) = Int(ltoh(reinterpret(UInt32, b[i:(i + 3)])[1]))
_u64(b, i) = Int(ltoh(reinterpret(UInt64, b[i:(i + 7)])[1]))

"""
    read_npz(path) -> Dict{String,Array}

The arrays of an .npz file (np.savez's: stored members; compressed ones, from
np.savez_compressed, are refused with a clear error), by name without `.npy`.
"""
function read_npz(path::AbstractString)
    isfile(path) || throw(ArgumentError("no parameter file $path"))
    b = read(path)
    length(b) >= 22 && b[1:4] == UInt8[0x50, 0x4b, 0x03, 0x04] ||
        throw(ArgumentError("$path is not an .npz file (a zip archive of .npy files)"))
    eocd = 0
    for i in (length(b) - 21):-1:max(1, length(b) - 22 - 65535)
        if _u32(b, i) == 0x06054b50
            eocd = i
            break
        end
    end
    eocd == 0 && throw(ArgumentError("$path: no zip directory found"))
    entries, pos = _u16(b, eocd + 10), _u32(b, eocd + 16) + 1
    out = Dict{String,Array}()
    for _ in 1:entries
        _u32(b, pos) == 0x02014b50 || throw(ArgumentError("$path: damaged zip directory"))
        method = _u16(b, pos + 10)
        csize, usize = _u32(b, pos + 20), _u32(b, pos + 24)
        nlen, xlen, clen = _u16(b, pos + 28), _u16(b, pos + 30), _u16(b, pos + 32)
        offset = _u32(b, pos + 42)
        name = String(b[(pos + 46):(pos + 45 + nlen)])
        # Zip64: sizes and offset of 0xffffffff are in the extra field (numpy forces it).
        x = pos + 46 + nlen
        xend = x + xlen
        while x + 4 <= xend
            id, sz = _u16(b, x), _u16(b, x + 2)
            if id == 0x0001
                f = x + 4
                usize == 0xffffffff && (usize = _u64(b, f); f += 8)
                csize == 0xffffffff && (csize = _u64(b, f); f += 8)
                offset == 0xffffffff && (offset = _u64(b, f); f += 8)
            end
            x += 4 + sz
        end
        method == 0 || throw(ArgumentError("$path: $name is compressed (np.savez_compressed); " *
                                           "PyRef reads np.savez's uncompressed .npz files"))
        lh = offset + 1
        _u32(b, lh) == 0x04034b50 || throw(ArgumentError("$path: damaged zip member $name"))
        start = lh + 30 + _u16(b, lh + 26) + _u16(b, lh + 28)
        pos = xend + clen
        endswith(name, ".npy") || continue
        tmp = tempname()
        try
            write(tmp, b[start:(start + csize - 1)])
            out[name[1:(end - 4)]] = read_npy(tmp)
        finally
            rm(tmp; force=true)
        end
    end
    return out
end

export read_npz, write_npz
