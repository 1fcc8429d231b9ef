# Parameter files: the zip format's CRC-32, the checked .npz reader, check_params and
# the strict set_params!, save_params's path checks (twin of tests/faults/test_param_faults.py).
using Test
using PyRef

@testset "CRC-32" begin
    # zlib's check values (the polynomial 0xEDB88320, reflected, inverted before and after)
    @test PyRef.crc32_ieee(UInt8[]) == 0x00000000
    @test PyRef.crc32_ieee(Vector{UInt8}(codeunits("123456789"))) == 0xcbf43926
    @test PyRef.crc32_ieee(Vector{UInt8}(codeunits("The quick brown fox jumps over the lazy dog"))) == 0x414fa339
    @test PyRef.crc32_ieee(zeros(UInt8, 32)) == 0x190a55ad
    @test PyRef.crc32_ieee(fill(0xff, 32)) == 0xff6cab0b
    @test PyRef.CRC32_TABLE[2] == 0x77073096 && PyRef.CRC32_TABLE[256] == 0x2d02ef8d
end

@testset "read_npz" begin
    dir = mktempdir()
    net = SimpleConvNet(; rng=PyRef.NumpyRandom.RandomState(0))
    good = joinpath(dir, "good.npz")
    save_params(net, good)
    bytes = read(good)
    arrays = read_npz(good)
    @test sort(collect(keys(arrays))) == sort(collect(PyRef.CONVNET_PARAM_NAMES))
    @test arrays["W1"] == net.params["W1"] && arrays["W2"] == net.params["W2"]
    file(name, content) = (p = joinpath(dir, name); write(p, content); p)

    flipped = copy(bytes)
    flipped[length(bytes) ÷ 2] ⊻= 0xff   # inside W2's data
    p = file("flipped.npz", flipped)
    @test thrown(() -> read_npz(p), ArgumentError) == "$p: member W2.npy is damaged (its CRC-32 does not match its bytes)"
    p = file("cut.npz", bytes[1:(length(bytes) ÷ 2)])
    @test thrown(() -> read_npz(p), ArgumentError) ==
          "$p is damaged or cut short: its zip directory is missing or unreadable"
    p = file("empty.npz", UInt8[])
    @test thrown(() -> read_npz(p), ArgumentError) == "$p is empty (0 bytes), not an .npz file"
    p = file("text.npz", "W1 = 0.1\n")
    @test thrown(() -> read_npz(p), ArgumentError) == "$p is not an .npz file (a zip archive of .npy arrays)"
    p = file("book.pkl", UInt8[0x80, 0x04, 0x95, 0x00])
    @test startswith(thrown(() -> read_npz(p), ArgumentError), "$p is a pickle file (the book's format)")
    npy = joinpath(dir, "w.npy")
    write_npy(npy, ones(3))
    p = file("w.npz", read(npy))
    @test startswith(thrown(() -> read_npz(p), ArgumentError), "$p is an .npy file (a single array)")
    @test thrown(() -> read_npz(joinpath(dir, "none.npz"), "parameter file"), ArgumentError) ==
          "no parameter file $(joinpath(dir, "none.npz"))"
    @test thrown(() -> read_npz(dir), ArgumentError) == "file $dir is a folder, not an .npz file"
    @test thrown(() -> read_npz(""), ArgumentError) == "no file named: the path is empty"
    # a member's own faults name the file and the member, never a temporary file
    p = joinpath(dir, "texts.npz")
    write_npz(p, ["W1" => ones(2)])
    b = read(p)
    i = first(findfirst("<f8", String(copy(b))))   # the member's dtype: now text
    b[i:(i + 2)] = Vector{UInt8}(codeunits("<U1"))
    cd = PyRef._u32(b, length(b) - 21 + 16) + 1     # the central directory, from the end record
    data = b[(30 + length("W1.npy") + 1):(cd - 1)]
    b[(cd + 16):(cd + 19)] = reinterpret(UInt8, [htol(PyRef.crc32_ieee(data))])   # its CRC, the one checked
    write(p, b)
    @test thrown(() -> read_npz(p), ArgumentError) == "$p: member W1.npy holds <U1 values, not numbers"
    # an empty archive (np.savez with no arrays) reads as no arrays; check_params refuses it
    p = joinpath(dir, "none-inside.npz")
    write_npz(p, Pair{String,Vector{Float64}}[])
    @test isempty(read_npz(p))
    @test thrown(() -> load_param_file(p), ArgumentError) == "$p holds no arrays; the net needs W1, b1, W2, b2, W3, b3"
end

@testset "check_params and set_params!" begin
    shapes = convnet_param_shapes()
    @test [k for (k, _) in shapes] == collect(PyRef.CONVNET_PARAM_NAMES)
    @test Dict(shapes)["W2"] == (4320, 100) && Dict(shapes)["b3"] == (10,)
    net = SimpleConvNet(; rng=PyRef.NumpyRandom.RandomState(1))
    @test param_shapes(net) == shapes
    good = Dict{String,Any}(k => Array{Float64}(v) for (k, v) in net.params)
    with(k, v) = merge(good, Dict{String,Any}(k => v))
    for (params, T, message) in [
        (Dict{String,Any}(), ArgumentError, "params holds no arrays; the net needs W1, b1, W2, b2, W3, b3"),
        (with("W1", "0.1"), ArgumentError, "params: W1 must be an array of floating-point numbers, not String"),
        (with("b1", trues(30)), ArgumentError, "params: b1 holds Bool values, not real floating-point numbers"),
        (with("b1", zeros(Int, 30)), ArgumentError, "params: b1 holds Int64 values"),
        (with("b1", fill(NaN, 30)), ArgumentError, "params: b1 contains NaN or infinite values"),
        (with("W3", fill(Inf, 100, 10)), ArgumentError, "params: W3 contains NaN or infinite values"),
        (with("W1", zeros(2, 2)), DimensionMismatch, "params: W1 has shape (2, 2), this net's has (30, 1, 5, 5)"),
        (with("W9", zeros(2)), ArgumentError, "params: W9 is not a parameter of this net (W1, b1, W2, b2, W3, b3)"),
        (delete!(copy(good), "b2"), ArgumentError, "params has no b2; the net needs W1, b1, W2, b2, W3, b3"),
    ]
        before = Dict(k => copy(v) for (k, v) in net.params)
        @test startswith(thrown(() -> set_params!(net, params), T), message)
        @test all(net.params[k] == before[k] for k in keys(before))   # nothing taken
    end
    @test startswith(thrown(() -> check_params([1.0], shapes), ArgumentError), "params must be a dict of arrays")
    # Float32 is taken (as Float64), the layers share the net's arrays
    set_params!(net, Dict{String,Any}(k => Float32.(v) for (k, v) in good))
    @test net.params["W1"] isa Array{Float64,4} && net.conv1.W === net.params["W1"]
    @test net.affine1.W === net.params["W2"] && net.params["W2"] == Float32.(good["W2"])
end

@testset "save_params's path" begin
    dir = mktempdir()
    net = SimpleConvNet(; rng=PyRef.NumpyRandom.RandomState(2))
    folder = joinpath(dir, "folder")
    mkdir(folder)
    write(joinpath(folder, "keep.txt"), "mine")
    notes = joinpath(dir, "notes.txt")
    write(notes, "mine")
    @test thrown(() -> save_params(net, folder), ArgumentError) == "file_name $folder is a folder, not a file"
    under = joinpath(notes, "params.npz")
    @test thrown(() -> save_params(net, under), ArgumentError) ==
          "file_name $under: $notes is a file, so no folder can be made there"
    @test thrown(() -> save_params(net, ""), ArgumentError) == "file_name is empty: name a path"
    @test read(joinpath(folder, "keep.txt"), String) == "mine"   # the folder is kept
    @test sort(readdir(dir)) == ["folder", "notes.txt"]           # and no temporary file left
    p = save_params(net, joinpath(dir, "new", "sub", "p.npz"))
    @test readdir(joinpath(dir, "new", "sub")) == ["p.npz"]
    other = SimpleConvNet(; rng=PyRef.NumpyRandom.RandomState(3))
    load_params(other, p)
    @test other.params["W3"] == net.params["W3"]
    @test startswith(thrown(() -> write_npy(folder, ones(2)), ArgumentError), "write_npy: $folder is a folder")
end

@testset "layers and nets: empty batches, backward out of order" begin
    net = SimpleConvNet()
    for f in (() -> predict(net, zeros(0, 1, 28, 28)), () -> loss(net, zeros(0, 1, 28, 28), Int[]),
              () -> accuracy(net, zeros(0, 1, 28, 28), Int[]), () -> gradient(net, zeros(0, 1, 28, 28), Int[]),
              () -> forward(Convolution(ones(2, 1, 3, 3), zeros(2)), zeros(0, 1, 5, 5)),
              () -> forward(Pooling(2, 2), zeros(0, 1, 4, 4)))
        @test startswith(thrown(f, ArgumentError), "x has no samples (an empty batch")
    end
    @test thrown(() -> backward(Convolution(ones(2, 1, 3, 3), zeros(2)), ones(1, 2, 3, 3)), ErrorException) ==
          "Convolution.backward needs a forward pass first"
    @test thrown(() -> backward(Pooling(2, 2), ones(1, 1, 2, 2)), ErrorException) ==
          "Pooling.backward needs a forward pass first"
    c = Convolution(ones(2, 1, 3, 3), zeros(2))
    forward(c, rand(1, 1, 5, 5))
    @test thrown(() -> backward(c, ones(1, 2, 4, 4)), DimensionMismatch) ==
          "dout has shape (1, 2, 4, 4); Convolution's last forward output had (1, 2, 3, 3)"
    @test size(backward(c, ones(1, 2, 3, 3))) == (1, 1, 5, 5)
end
