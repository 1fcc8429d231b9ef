# Julia's Random API on a NumpyRandom.RandomState: each call draws what NumpyRandom's
# own numpy-named call draws (that one is checked against numpy in test_numpyrandom.jl;
# tests/test_rng_julia_idiom.py checks these calls against numpy itself).
using Test
using Random
using PyRef
const NRA = PyRef.NumpyRandom

"""Two generators in the same state: one for the Random call, one for NumpyRandom's."""
pair(seed) = (NRA.RandomState(seed), NRA.RandomState(seed))
same_state(a, b) = NRA.get_state(a) == NRA.get_state(b)

@testset "a RandomState is an AbstractRNG and generic code draws numpy's stream" begin
    @test NRA.RandomState <: AbstractRNG
    f(rng::AbstractRNG) = randn(rng, 3, 2)
    rs, ref = pair(4)
    @test f(rs) == NRA.randn(ref, 3, 2) && same_state(rs, ref)
    @test @inferred(rand(rs)) isa Float64
    @test @inferred(randn(rs)) isa Float64
    @test @inferred(rand(rs, 1:6)) isa Int
    c = copy(rs)
    @test c !== rs && rand(c, 4) == rand(rs, 4)
    @test Random.seed!(rs, 7) === rs && same_state(rs, NRA.RandomState(7))
end

@testset "each Random call is NumpyRandom's numpy-named call" begin
    for seed in (0, 1, 12345)
        rs, ref = pair(seed)
        @test rand(rs) === NRA.rand(ref)
        @test rand(rs, Float64) === NRA.rand(ref)
        @test rand(rs, 7) == NRA.rand(ref, 7)
        @test rand(rs, 5, 4) == NRA.rand(ref, 5, 4)            # row-major, as numpy fills
        @test rand(rs, 2, 3, 4) == NRA.rand(ref, 2, 3, 4)
        @test rand(rs, Float64, (3, 2)) == NRA.rand(ref, 3, 2)
        @test rand!(rs, zeros(4, 3)) == NRA.rand(ref, 4, 3)
        @test randn(rs) === NRA.randn(ref)
        @test randn(rs, 3) == NRA.randn(ref, 3)                # odd: a Gaussian stays cached
        @test randn(rs, 5, 4) == NRA.randn(ref, 5, 4)
        @test randn(rs, Float64) === NRA.randn(ref)
        @test randn!(rs, zeros(2, 3)) == NRA.randn(ref, 2, 3)
        @test rand(rs, -3:7) === NRA.randint(ref, -3, 8)
        @test rand(rs, 1:10, 6) == NRA.randint(ref, 1, 11, 6)
        @test rand(rs, 1:10, 5, 4) == NRA.randint(ref, 1, 11, 5, 4)
        @test rand(rs, 0:2^40) === NRA.randint(ref, 0, 2^40 + 1)   # the 64-bit masked path
        @test rand(rs, Int32(1):Int32(9)) === Int32(NRA.randint(ref, 1, 10))
        v = [10.0, 20.0, 30.0, 40.0]
        @test rand(rs, v) === NRA.choice(ref, v, 1)[1]
        @test rand(rs, v, 5) == NRA.choice(ref, v, 5)
        @test randperm(rs, 9) == NRA.permutation(ref, 9) .+ 1
        @test randperm!(rs, zeros(Int, 6)) == NRA.permutation(ref, 6) .+ 1
        @test shuffle!(rs, collect(1:8)) == NRA.shuffle!(ref, collect(1:8))
        @test shuffle(rs, v) == NRA.permutation(ref, v)
        @test shuffle(rs, Base.OneTo(5)) == NRA.permutation(ref, 5) .+ 1
        @test shuffle!(rs, [true, false, false, true, false]) == NRA.shuffle!(ref, [true, false, false, true, false])
        @test same_state(rs, ref)
    end
end

@testset "calls with no numpy twin throw an ArgumentError before drawing" begin
    rs = NRA.RandomState(3)
    randn(rs)   # a cached Gaussian too
    before = NRA.get_state(rs)
    calls = [() -> rand(rs, Float32), () -> rand(rs, Float16), () -> rand(rs, Int), () -> rand(rs, UInt32),
             () -> rand(rs, Bool), () -> rand(rs, Bool, 3), () -> rand(rs, Char), () -> rand(rs, ComplexF64),
             () -> rand(rs, BigFloat), () -> rand(rs, Float32, 2, 2), () -> rand!(rs, zeros(Float32, 3)),
             () -> rand(rs, Int128(1):Int128(5)), () -> rand(rs, big(1):big(5)),
             () -> rand(rs, "abc"), () -> rand(rs, Dict(1 => 2)), () -> rand(rs, Set([1, 2])),
             () -> rand(rs, (5, 4)), () -> rand(rs, (1, "a")), () -> rand(rs, (5, 4), 3),
             () -> rand(rs, zeros(2, 2)), () -> rand!(rs, zeros(2), "ab"),
             () -> randn(rs, Float32), () -> randn(rs, Float32, 3), () -> randn(rs, ComplexF64),
             () -> randn!(rs, zeros(Float32, 2)), () -> randexp(rs), () -> randexp(rs, 3),
             () -> bitrand(rs, 4), () -> randstring(rs), () -> randstring(rs, 5), () -> randstring(rs, "ab", 5),
             () -> randcycle(rs, 4), () -> randcycle!(rs, zeros(Int, 4)), () -> randsubseq(rs, 1:9, 0.5),
             () -> shuffle!(rs, zeros(2, 3)), () -> shuffle(rs, zeros(2, 3))]
    for call in calls
        err = try
            call()
            nothing
        catch e
            e
        end
        @test err isa ArgumentError && occursin("no numpy twin", err.msg)
    end
    @test NRA.get_state(rs) == before
    @test_throws ArgumentError rand(rs, 5:4)
    @test_throws ArgumentError rand(rs, Int[])
    @test_throws ArgumentError randperm(rs, -1)
end

@testset "no method of the Random API on a RandomState is ambiguous" begin
    fs = (rand, rand!, randn, randn!, Random.Sampler, shuffle!, shuffle, randperm, randperm!,
          randexp, randcycle, randcycle!, randsubseq!, randstring, Random.seed!)
    ambiguous = [(m, m2) for f in fs for m in methods(f) for m2 in methods(f)
                 if m.module === NRA && m !== m2 && Base.isambiguous(m, m2)]
    isempty(ambiguous) || @info "ambiguous methods" ambiguous
    @test isempty(ambiguous)
end
