# .npy files: how arrays travel between numpy and PyRef (format versions 1.0, 2.0, 3.0).

"""numpy dtype strings and the Julia element types they map to: what read_npy (and so
the bridge) reads; write_npy writes those of NPY_DESCR."""
const NPY_DTYPES = Dict{String,DataType}(
    "<f8" => Float64, "<f4" => Float32, "<i8" => Int64, "<i4" => Int32,
    "<u4" => UInt32, "|u1" => UInt8, "<u1" => UInt8, "|b1" => Bool, "<u8" => UInt64,
)
"""What read_npz reads besides: every real and complex number type of numpy's that
Julia has, so that a parameter file's wrong dtype is named by check_params."""
const NPZ_DTYPES = merge(NPY_DTYPES, Dict{String,DataType}(
    "<f2" => Float16, "<i2" => Int16, "|i1" => Int8, "<u2" => UInt16, "<c16" => ComplexF64, "<c8" => ComplexF32,
))
const NPY_DESCR = Dict{DataType,String}(
    Float64 => "<f8", Float32 => "<f4", Int64 => "<i8", Int32 => "<i4",
    UInt32 => "<u4", UInt8 => "|u1", Bool => "|b1", UInt64 => "<u8",
)
const NPY_MAGIC = UInt8[0x93, UInt8('N'), UInt8('U'), UInt8('M'), UInt8('P'), UInt8('Y')]

"""
    read_npy(path) -> Array

Read a .npy file. A C-order (row-major) array becomes a Julia array with the same
logical indices (`A[i, j] == a[i-1, j-1]`); Fortran order is read as is. A file that
is not one, or is cut short, is an ArgumentError naming `path`.
"""
function read_npy(path::AbstractString)
    n = filesize(path)
    return open(io -> _read_npy(io, n, path), path, "r")
end

"""The array of the .npy bytes `io` holds (`n` of them), `what` naming them in errors,
of an element type `dtypes` maps its descr to."""
function _read_npy(io::IO, n::Integer, what::AbstractString, dtypes::Dict{String,DataType}=NPY_DTYPES)
    bad(reason) = ArgumentError("$what is not a valid .npy array ($reason)")
    n >= 10 || throw(bad("$n bytes, shorter than a .npy header"))
    read(io, 6) == NPY_MAGIC || throw(bad("no .npy magic at its start"))
    major = read(io, UInt8)
    read(io, UInt8)
    major in (1, 2, 3) || throw(bad("format version $major"))
    major == 1 || n >= 12 || throw(bad("$n bytes, shorter than a .npy header"))
    hlen = major == 1 ? Int(ltoh(read(io, UInt16))) : Int(ltoh(read(io, UInt32)))
    start = (major == 1 ? 10 : 12) + hlen
    start <= n || throw(bad("its header is cut short"))
    header = String(read(io, hlen))
    m = match(r"'descr':\s*'([^']+)'", header)
    m === nothing && throw(bad("no descr in its header"))
    descr = String(m.captures[1])
    startswith(descr, "|O") &&
        throw(ArgumentError("$what holds Python objects (only pickle could read them), not numbers"))
    if !haskey(dtypes, descr)
        numeric = occursin(r"^[<>|=][biufc]", descr)
        throw(ArgumentError(numeric ? "$what holds $descr values, which PyRef does not read" :
                            "$what holds $descr values, not numbers"))
    end
    T = dtypes[descr]
    fortran = occursin(r"'fortran_order':\s*True", header)
    ms = match(r"'shape':\s*\(([^)]*)\)", header)
    ms === nothing && throw(bad("no shape in its header"))
    dims = Int[]
    for part in split(ms.captures[1], ',')
        isempty(strip(part)) && continue
        d = tryparse(Int, strip(part))
        (d === nothing || d < 0) && throw(bad("shape ($(ms.captures[1]))"))
        push!(dims, d)
    end
    count = prod(dims)
    n - start >= count * sizeof(T) ||
        throw(ArgumentError("$what is cut short: $(n - start) bytes of data for $count values of $descr"))
    data = Vector{T}(undef, count)
    read!(io, data)
    if length(dims) == 0
        A = Array{T,0}(undef)
        A[] = data[1]
        return A
    elseif length(dims) == 1 || fortran
        return reshape(data, Tuple(dims))
    end
    K = length(dims)
    return permutedims(reshape(data, Tuple(reverse(dims))), ntuple(i -> K + 1 - i, K))
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
    isdir(path) && throw(ArgumentError("write_npy: $path is a folder, not a file"))
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
    check_output_file(path, what="output file") -> path

Check, before any work, that the file `path` can be written: not empty, not a folder,
its folder exists or can be made (its nearest existing ancestor is a writable folder).
An ArgumentError naming `what` and `path` otherwise (pyref.fileio's check_output_file).
"""
function check_output_file(path::AbstractString, what::AbstractString="output file")
    isempty(path) && throw(ArgumentError("$what is empty: name a path"))
    isdir(path) && throw(ArgumentError("$what $path is a folder, not a file"))
    ispath(path) && !_writable(path) && throw(ArgumentError("$what $path is not writable"))
    existing = dirname(path)
    while !isempty(existing) && !ispath(existing) && dirname(existing) != existing
        existing = dirname(existing)
    end
    isempty(existing) && (existing = ".")
    isdir(existing) || throw(ArgumentError("$what $path: $existing is $(ispath(existing) ? "a file" : "not a folder"), " *
                                           "so no folder can be made there"))
    _writable(existing, 3) || throw(ArgumentError("$what $path: the folder $existing is not writable"))
    return path
end

"""Whether this process may write `path` (access(2) with `mode`: W_OK, or W_OK|X_OK for a folder)."""
_writable(path::AbstractString, mode::Integer=2) = ccall(:access, Cint, (Cstring, Cint), path, mode) == 0

"""
    write_npz(path, arrays)

Write `arrays` (pairs name => array) as an .npz file numpy's `np.load` reads: one
`name.npy` member each, stored uncompressed, written atomically (temporary file in
the same folder, then rename). `path` is checked first (`check_output_file`: not a
folder, its folder can be made); a failed write names `path` and leaves nothing behind.
"""
function write_npz(path::AbstractString, arrays)
    check_output_file(path, "file_name")
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
    bytes = take!(io)
    tmp = path * ".tmp" * string(getpid())
    try
        mkpath(dirname(abspath(path)))
        write(tmp, bytes)
        filesize(tmp) == length(bytes) || error("$(filesize(tmp)) of $(length(bytes)) bytes reached the disk (is it full?)")
        mv(tmp, path; force=true)
    catch err
        rm(tmp; force=true)
        err isa InterruptException && rethrow()
        error("write_npz: could not write $path: $(sprint(showerror, err))")
    end
    return path
end

_u16(b, i) = Int(ltoh(reinterpret(UInt16, b[i:(i + 1)])[1]))
_u32(b, i) = Int(ltoh(reinterpret(UInt32, b[i:(i + 3)])[1]))
_u64(b, i) = Int(ltoh(reinterpret(UInt64, b[i:(i + 7)])[1]))

const ZIP_LOCAL = 0x04034b50
const ZIP_CENTRAL = 0x02014b50
const ZIP_END = 0x06054b50
"""A pickle of protocol 2 or later starts with 0x80 and its protocol."""
const PICKLE_PROTOCOLS = 2:5

"""
    read_npz(path, what="file") -> Dict{String,Array}

The arrays of an .npz file (np.savez's: stored members; compressed ones, from
np.savez_compressed, are refused with a clear error), by name without `.npy`, each
member's CRC-32 checked; nothing is unpickled. `what` names the file in messages
("parameter file"). An ArgumentError naming the file and the member for anything that
is not such an archive: missing, empty, truncated or damaged, an .npy file, a pickle,
a member that is not an .npy array or holds text (pyref.fileio's read_npz, message for
message).
"""
function read_npz(path::AbstractString, what::AbstractString="file")
    isempty(path) && throw(ArgumentError("no $what named: the path is empty"))
    ispath(path) || throw(ArgumentError("no $what $path"))
    isdir(path) && throw(ArgumentError("$what $path is a folder, not an .npz file"))
    b = try
        read(path)
    catch err
        err isa InterruptException && rethrow()
        throw(ArgumentError("$what $path cannot be read: $(sprint(showerror, err))"))
    end
    isempty(b) && throw(ArgumentError("$path is empty (0 bytes), not an .npz file"))
    length(b) >= 6 && b[1:6] == NPY_MAGIC &&
        throw(ArgumentError("$path is an .npy file (a single array), not the named arrays of an .npz file (np.savez)"))
    length(b) >= 2 && b[1] == 0x80 && b[2] in PICKLE_PROTOCOLS &&
        throw(ArgumentError("$path is a pickle file (the book's format), not an .npz file: read it " *
                            "with read_pickle (or load_param_file, which reads both)"))
    length(b) >= 4 && (_u32(b, 1) == ZIP_LOCAL || _u32(b, 1) == ZIP_END) ||
        throw(ArgumentError("$path is not an .npz file (a zip archive of .npy arrays)"))
    damaged = ArgumentError("$path is damaged or cut short: its zip directory is missing or unreadable")
    eocd = 0
    for i in (length(b) - 21):-1:max(1, length(b) - 22 - 65535)
        if _u32(b, i) == ZIP_END
            eocd = i
            break
        end
    end
    eocd == 0 && throw(damaged)
    entries, cdsize, pos = _u16(b, eocd + 10), _u32(b, eocd + 12), _u32(b, eocd + 16) + 1
    pos + cdsize <= eocd || throw(damaged)
    out = Dict{String,Array}()
    for _ in 1:entries
        (pos + 45 <= eocd && _u32(b, pos) == ZIP_CENTRAL) || throw(damaged)
        method = _u16(b, pos + 10)
        crc = UInt32(_u32(b, pos + 16))
        csize, usize = _u32(b, pos + 20), _u32(b, pos + 24)
        nlen, xlen, clen = _u16(b, pos + 28), _u16(b, pos + 30), _u16(b, pos + 32)
        offset = _u32(b, pos + 42)
        pos + 45 + nlen + xlen + clen < eocd || throw(damaged)
        name = String(b[(pos + 46):(pos + 45 + nlen)])
        # Zip64: sizes and offset of 0xffffffff are in the extra field (numpy forces it).
        x = pos + 46 + nlen
        xend = x + xlen
        while x + 4 <= xend
            id, sz = _u16(b, x), _u16(b, x + 2)
            if id == 0x0001
                f = x + 4
                usize == 0xffffffff && f + 7 < xend && (usize = _u64(b, f); f += 8)
                csize == 0xffffffff && f + 7 < xend && (csize = _u64(b, f); f += 8)
                offset == 0xffffffff && f + 7 < xend && (offset = _u64(b, f); f += 8)
            end
            x += 4 + sz
        end
        pos = xend + clen
        endswith(name, ".npy") ||
            throw(ArgumentError("$path: member $name is not an .npy array (an .npz file holds only those)"))
        member = "$path: member $name"
        method == 0 || throw(ArgumentError("$member is compressed (np.savez_compressed); " *
                                           "PyRef reads np.savez's uncompressed .npz files"))
        lh = offset + 1
        (lh + 29 <= length(b) && _u32(b, lh) == ZIP_LOCAL) ||
            throw(ArgumentError("$member is damaged (no zip header where the directory puts it)"))
        start = lh + 30 + _u16(b, lh + 26) + _u16(b, lh + 28)
        (csize == usize && start + csize - 1 <= length(b)) ||
            throw(ArgumentError("$member is damaged (cut short: its bytes run past the file's end)"))
        data = view(b, start:(start + csize - 1))
        crc32_ieee(data) == crc ||
            throw(ArgumentError("$member is damaged (its CRC-32 does not match its bytes)"))
        out[name[1:(end - 4)]] = _read_npy(IOBuffer(b[start:(start + csize - 1)]), csize, member, NPZ_DTYPES)
    end
    return out
end

export read_npz, write_npz, check_output_file
