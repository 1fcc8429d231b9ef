# layers.jl on pyref's inputs (shared.jl's ref), compared bit for bit.
using Test
using PyRef

@testset "layers on given inputs" begin
    x = ref("x")
    for (name, L) in (("Sigmoid", Sigmoid), ("Relu", Relu))
        layer = L()
        @test bits_equal(forward(layer, x), ref("$(name)_fwd"))
        @test bits_equal(backward(layer, x .* 0.5), ref("$(name)_bwd"))
    end
    bn = BatchNormalization(copy(ref("gamma")), copy(ref("beta")))
    @test bits_equal(forward(bn, x, true), ref("bn_fwd"))
    @test bits_equal(backward(bn, x .* 0.25), ref("bn_bwd"))
    @test bits_equal(bn.dgamma, ref("bn_dgamma"))
    @test bits_equal(bn.running_var, ref("bn_running_var"))
    @test bits_equal(forward(bn, x, false), ref("bn_test"))
    drop = Dropout(0.3; rng=NumpyRandom.RandomState(8))
    @test bits_equal(forward(drop, x, true), ref("dropout"))
    @test @inferred(forward(Relu(), x)) isa Matrix{Float64}
end
