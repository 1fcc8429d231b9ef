# Chapter 7 in PyRef on its own: im2col/col2im against direct loops, the layers'
# gradients against numerical ones, pooling's first maxima, the argument checks
# (their messages are pyref's, compared through the bridge in tests/). SimpleConvNet
# is test_convnet.jl's. Bit-for-bit agreement with pyref is `pyref parity`'s section 7.
using Test
using PyRef
const NRc = PyRef.NumpyRandom

"""Each window of x (N, C, H, W) as a row, by direct indexing."""
function direct_windows(x, fh, fw, s, p)
    N, C, H, W = size(x)
    xp = zeros(N, C, H + 2p, W + 2p)
    xp[:, :, (p + 1):(p + H), (p + 1):(p + W)] = x
    oh, ow = div(H + 2p - fh, s) + 1, div(W + 2p - fw, s) + 1
    rows = Vector{Vector{Float64}}()
    for n in 1:N, i in 1:oh, j in 1:ow
        window = xp[n, :, ((i - 1) * s + 1):((i - 1) * s + fh), ((j - 1) * s + 1):((j - 1) * s + fw)]
        push!(rows, vec(permutedims(window, (3, 2, 1))))   # channel, row, column: numpy's C order
    end
    return permutedims(reduce(hcat, rows))
end

const SHAPES = [(2, 1, 5, 5, 3, 3, 1, 0), (3, 2, 6, 4, 2, 2, 2, 0), (1, 3, 5, 7, 3, 3, 2, 1), (4, 1, 7, 7, 3, 5, 2, 2)]

@testset "im2col and col2im" begin
    rs = NRc.RandomState(0)
    for (N, C, H, W, fh, fw, s, p) in SHAPES
        x = NRc.randn(rs, N, C, H, W)
        col = im2col(x, fh, fw, s, p)
        @test col == direct_windows(x, fh, fw, s, p)
        @test im2col(Float32.(x), fh, fw, s, p) == direct_windows(Float64.(Float32.(x)), fh, fw, s, p)
        # Fortran order for one sample, as numpy's view.
        npcol = PyRef._im2col_np!(zeros(0, 0), x, fh, fw, s, p, div(H + 2p - fh, s) + 1, div(W + 2p - fw, s) + 1)
        @test npcol.fortran == (N == 1)
        d = NRc.randn(rs, size(col)...)
        img = col2im(d, (N, C, H, W), fh, fw, s, p)
        @test size(img) == (N, C, H, W)
        @test isapprox(sum(col .* d), sum(x .* img); rtol=1e-12)   # col2im is im2col's adjoint
        # Each element the sum from 0.0 of its entries in filter-position order, -0.0 too.
        d[1:3:end, :] .= -0.0
        oh, ow = div(H + 2p - fh, s) + 1, div(W + 2p - fw, s) + 1
        ref = zeros(N, C, H + 2p, W + 2p)
        for y in 1:fh, xx in 1:fw, i in 1:oh, j in 1:ow, n in 1:N, c in 1:C
            ref[n, c, (i - 1) * s + y, (j - 1) * s + xx] += d[((n - 1) * oh + (i - 1)) * ow + j, ((c - 1) * fh + (y - 1)) * fw + xx]
        end
        @test reinterpret(UInt64, col2im(d, (N, C, H, W), fh, fw, s, p)) == reinterpret(UInt64, ref[:, :, (p + 1):(p + H), (p + 1):(p + W)])
    end
    @test conv_output_size(28, 5) === 24.0
    @test conv_output_size(7, 2, 2) === 3.5
end

"""Central differences of f at x (any shape)."""
function numgrad(f, x)
    g = similar(x)
    for i in eachindex(x)
        t = x[i]
        x[i] = t + 1e-5
        a = f()
        x[i] = t - 1e-5
        b = f()
        x[i] = t
        g[i] = (a - b) / 2e-5
    end
    return g
end

@testset "Convolution: forward, gradients, layouts" begin
    rs = NRc.RandomState(1)
    for (N, C, H, W, fh, fw, s, p) in SHAPES
        x = NRc.randn(rs, N, C, H, W)
        Wt, b = NRc.randn(rs, 3, C, fh, fw), NRc.randn(rs, 3)
        layer = Convolution(Wt, b, s, p)
        out = forward(layer, x)
        direct = direct_windows(x, fh, fw, s, p) * reshape(permutedims(Wt, (4, 3, 2, 1)), :, 3) .+ b'
        oh, ow = size(out, 3), size(out, 4)
        @test out ≈ permutedims(reshape(direct, ow, oh, N, 3), (3, 4, 2, 1)) rtol = 1e-12
        dout = NRc.randn(rs, size(out)...)
        dx = backward(layer, dout)
        @test dx ≈ numgrad(() -> sum(forward(Convolution(Wt, b, s, p), x) .* dout), x) rtol = 1e-6 atol = 1e-8
        dW = copy(layer.dW)
        @test dW ≈ numgrad(() -> sum(forward(Convolution(Wt, b, s, p), x) .* dout), Wt) rtol = 1e-6 atol = 1e-8
        @test layer.db ≈ vec(sum(dout; dims=(1, 3, 4))) rtol = 1e-12
        @test backward(layer, dout; need_dx=false) === nothing
    end
    # One bias for all filters (apply_filter.py passes 0).
    x = NRc.rand(NRc.RandomState(2), 1, 1, 6, 6)
    w = NRc.randn(NRc.RandomState(3), 1, 1, 3, 3)
    @test forward(Convolution(w, 0), x) == forward(Convolution(w, zeros(1)), x)
    # The output is a view of numpy's memory, inferred.
    layer = Convolution(w, zeros(1))
    @test @inferred(PyRef.forward!(layer, x)) isa PyRef.NHWC
end

@testset "Pooling: first maxima, numpy's argmax on NaN, gradient routing" begin
    x = reshape(Float64[1, 3, 3, 2], 1, 1, 2, 2)   # x[1, 1, :, :] == [1 3; 3 2]: two maxima
    layer = Pooling(2, 2, 2)
    @test forward(layer, x)[1, 1, 1, 1] == 3.0
    @test layer.arg_max == [1]   # row-major positions 0..3 hold 1, 3, 3, 2: the first 3
    dx = backward(layer, fill(-0.0, 1, 1, 1, 1))
    @test !any(signbit, dx)   # 0.0 + (-0.0) is +0.0, as in col2im
    nanx = reshape([1.0, 5.0, NaN, 2.0], 1, 1, 2, 2)  # row-major: 1, NaN, 5, 2
    @test isnan(forward(layer, nanx)[1, 1, 1, 1]) && layer.arg_max == [1]
    rs = NRc.RandomState(4)
    for (ph, pw, s) in ((2, 2, 2), (3, 3, 1), (2, 3, 1))
        x = round.(NRc.randn(rs, 2, 3, ph + 2s, pw + s) .* 10) ./ 10
        l = Pooling(ph, pw, s)
        out = forward(l, x)
        dout = NRc.randn(rs, size(out)...)
        # Distinct values 0.01 apart: no window has two maxima within the numerical step.
        xj = reshape(Float64.(NRc.permutation(rs, length(x))) .* 0.01, size(x))
        forward(l, xj)
        @test backward(l, dout) ≈ numgrad(() -> sum(forward(Pooling(ph, pw, s), xj) .* dout), xj) rtol = 1e-6 atol = 1e-8
    end
end

@testset "Pooling: the 2×2 loop over a convolution's output is the generic loop" begin
    rs = NRc.RandomState(5)
    # Ties (values in tenths, many equal), signed zeros, and then a NaN or an infinity.
    vals = round.(NRc.randn(rs, 2, 3, 6, 4) .* 3) ./ 10
    vals[vals .== 0.0] .= -0.0
    vals[1, 2, 1:2, 1:2] .= [0.0 -0.0; -0.0 0.0]
    vals[2, 2, 1, 1:2] .= [2.5, 1.5]   # exponent fields 0x400 and 0x3ff: all ones if or-ed
    for special in (nothing, NaN, Inf, -Inf)
        x = copy(vals)
        special === nothing || (x[2, 1, 4, 3] = special; x[1, 3, 1, 2] = special)
        nhwc = PyRef.NHWC(permutedims(x, (2, 4, 3, 1)))   # the same values, a convolution's layout
        @test isequal(nhwc, x)
        generic, fast = Pooling(2, 2, 2), Pooling(2, 2, 2)
        out, outf = forward(generic, x), forward(fast, nhwc)
        @test isequal(out, outf) && signbit.(out) == signbit.(outf)
        @test fast.arg_max == generic.arg_max
        dout = NRc.randn(rs, size(out)...)
        dout[1, 1, 1, 1] = -0.0
        dx, dxf = backward(generic, dout), backward(fast, dout)
        @test isequal(dx, dxf) && signbit.(dx) == signbit.(dxf)
        # The vectorised loop ran (infinities too), or declined a NaN (the generic one ran),
        # as pyref's tiled path declines a NaN; an input not in a convolution's layout too.
        probe = Pooling(2, 2, 2)
        forward(probe, nhwc)
        @test PyRef._tiled_first_maxima!(probe, nhwc, 3, 2) == !(special isa Float64 && isnan(special))
        @test !PyRef._tiled_first_maxima!(probe, x, 3, 2)
    end
end

@testset "bad input names the argument (pyref's messages)" begin
    msg(f) = try
        f()
        ""
    catch err
        sprint(showerror, err)
    end
    @test occursin("input_data must have 4 dimensions, got shape (2, 3, 4)", msg(() -> im2col(zeros(2, 3, 4), 2, 2)))
    @test occursin("filter_h 5 is larger than input_data's padded height 4 (height 4, pad 0)",
                   msg(() -> im2col(zeros(1, 1, 4, 4), 5, 2)))
    @test occursin("stride must be >= 1, got 0", msg(() -> im2col(zeros(1, 1, 4, 4), 2, 2, 0)))
    @test occursin("pad must be >= 0, got -1", msg(() -> im2col(zeros(1, 1, 4, 4), 2, 2, 1, -1)))
    @test occursin("input_data's padded height 5 minus filter_h 2 is 3, not a multiple of stride 2",
                   msg(() -> im2col(zeros(1, 1, 5, 4), 2, 2, 2)))
    @test occursin("x has 1 channels, W's filters have 3", msg(() -> forward(Convolution(zeros(2, 3, 3, 3), zeros(2)), zeros(1, 1, 5, 5))))
    @test occursin("W's filter height 6 is larger than x's padded height 5 (height 3, pad 1)",
                   msg(() -> forward(Convolution(zeros(2, 1, 6, 3), zeros(2), 1, 1), zeros(1, 1, 3, 5))))
    @test occursin("x's padded height 5 minus pool_h 2 is 3, not a multiple of stride 2",
                   msg(() -> forward(Pooling(2, 2, 2), zeros(1, 1, 5, 4))))
    @test occursin("x must have 4 dimensions", msg(() -> forward(Pooling(2, 2), zeros(4, 4))))
    @test occursin("b has 3 entries for W with 2 filters", msg(() -> Convolution(zeros(2, 1, 3, 3), zeros(3))))
    @test occursin("conv_param['stride'] must be >= 1", msg(() -> SimpleConvNet(; conv_param=Dict("stride" => 0))))
    @test occursin("not a multiple of stride 2", msg(() -> SimpleConvNet(; input_dim=(1, 27, 27))))
end
