# numpy's elementwise math against numpy itself: np.exp, np.log, np.tanh and
# np.power on ~1.2 million inputs (pyref.parity.numpy_vectors.write_numpymath), compared
# with === in the mode the test vectors' numpy ran in (nm_mode.txt); the exactly
# rounded helpers of the SVML emulation against Base.fma and BigFloat; and the
# mode switches.
using Test
using PyRef

nm(name) = read_npy(joinpath(VECTORS_DIR, "nm_$name.npy"))
const NUMPY_MODE = split(strip(read(joinpath(VECTORS_DIR, "nm_mode.txt"), String)))

"""Indices i where f(args[1][i], ...) and numpy's expected[i] differ in any bit."""
function mismatches(f, expected::AbstractVector{Float64}, args::AbstractVector{Float64}...)
    bad = Int[]
    for i in eachindex(expected)
        f(map(a -> a[i], args)...) === expected[i] || push!(bad, i)
    end
    return bad
end

hexbits(x::Float64) = string("0x", string(reinterpret(UInt64, x), base=16, pad=16))

function report(name, f, expected, args, bad)
    isempty(bad) && return
    lines = ["$name: $(length(bad)) of $(length(expected)) differ from numpy; first ones:"]
    for i in bad[1:min(end, 8)]
        ins = join((string(a[i], " (", hexbits(a[i]), ")") for a in args), ", ")
        got = f(map(a -> a[i], args)...)
        push!(lines, "  $ins -> $got ($(hexbits(got))), numpy $(expected[i]) ($(hexbits(expected[i])))")
    end
    @info join(lines, "\n")
end

@testset "PyRef reproduces the numpy that wrote the test vectors" begin
    if NUMPY_MODE[1] == "unknown"
        @warn "pyref.runtime.mathmode could not classify the test vectors' numpy"
    else
        @test numpy_math_mode() == (math=Symbol(NUMPY_MODE[1]), tanh=Symbol(NUMPY_MODE[2]))
    end
    # Where numpy was left to its own dispatch, Julia's CPUID/XCR0 detection must
    # reach the same verdict as numpy's.
    if NUMPY_MODE[1] != "unknown" && !haskey(ENV, "NPY_DISABLE_CPU_FEATURES") &&
       !haskey(ENV, "NPY_ENABLE_CPU_FEATURES")
        saved = numpy_math_mode()
        try
            withenv("PYREF_NUMPY_MATH" => nothing, "PYREF_NUMPY_TANH" => nothing) do
                @test set_numpy_math!() == (math=Symbol(NUMPY_MODE[1]), tanh=Symbol(NUMPY_MODE[2]))
            end
        finally
            set_numpy_math!(math=saved.math, tanh=saved.tanh)
        end
    end
end

@testset "np_exp, np_log, np_tanh, np_power are numpy's, bit for bit ($(join(NUMPY_MODE, "/")))" begin
    for (name, f) in (("exp", np_exp), ("log", np_log), ("tanh", np_tanh))
        x, expected = nm("$(name)_x"), nm(name)
        @test length(x) > 150_000
        bad = mismatches(f, expected, x)
        report("np_$name", f, expected, (x,), bad)
        @test isempty(bad)
    end
    x, y, expected = nm("power_x"), nm("power_y"), nm("power")
    bad = mismatches(np_power, expected, x, y)
    report("np_power", np_power, expected, (x, y), bad)
    @test isempty(bad)
    for f in (np_exp, np_log, np_tanh)
        @test @inferred(f(0.5)) isa Float64
    end
    @test @inferred(np_power(10.0, -0.5)) isa Float64
end

# A small deterministic generator of bit patterns (splitmix64).
mutable struct Bits64
    state::UInt64
end
function next!(g::Bits64)
    g.state += 0x9e3779b97f4a7c15
    z = g.state
    z = (z ⊻ (z >> 30)) * 0xbf58476d1ce4e5b9
    z = (z ⊻ (z >> 27)) * 0x94d049bb133111eb
    return z ⊻ (z >> 31)
end
"""A random double with a random sign and an exponent in emin:emax."""
function rand_double(g::Bits64, emin::Int, emax::Int)
    e = emin + Int(next!(g) % UInt64(emax - emin + 1))
    frac = next!(g) & 0x000fffffffffffff
    return reinterpret(Float64, (next!(g) & 0x8000000000000000) | (UInt64(e + 1023) << 52) | frac)
end

@testset "exactly rounded fma, add, mul (AVX-512 embedded rounding)" begin
    g = Bits64(0x2024)
    RN, RD, RU, RZ = PyRef._RN, PyRef._RD, PyRef._RU, PyRef._RZ
    # Round to nearest agrees with the hardware fma everywhere, subnormals and
    # overflow included; c is often close to -a*b, so that the sum cancels.
    same = 0
    total = 40_000
    for k in 1:total
        a, b = rand_double(g, -560, 560), rand_double(g, -560, 560)
        c = k % 3 == 0 ? -a * b * (1.0 + rand_double(g, -60, -1)) :
            k % 3 == 1 ? rand_double(g, -1074 + 52, 1023) : reinterpret(Float64, next!(g) & 0x800fffffffffffff)
        same += PyRef.fma_round(a, b, c, RN) === fma(a, b, c)
    end
    @test same == total
    # Directed roundings against BigFloat (exact at this precision for these ranges).
    agree = 0
    checks = 0
    setprecision(BigFloat, 1400) do
        for k in 1:6_000
            a, b = rand_double(g, -250, 250), rand_double(g, -250, 250)
            c = k % 2 == 0 ? -a * b * (1.0 + rand_double(g, -60, -1)) : rand_double(g, -500, 500)
            exact = big(a) * big(b) + big(c)
            for (dir, mode) in ((RD, RoundDown), (RU, RoundUp), (RZ, RoundToZero))
                checks += 1
                agree += PyRef.fma_round(a, b, c, dir) === Float64(exact, mode)
            end
            checks += 2
            agree += PyRef.add_round(a, c, RZ) === Float64(big(a) + big(c), RoundToZero)
            agree += PyRef.mul_round(a, b, RZ) === Float64(big(a) * big(b), RoundToZero)
        end
    end
    @test agree == checks
    @test PyRef.fma_round(1.0, 1.0, -1.0, RD) === -0.0
    @test PyRef.fma_round(1.0, 1.0, -1.0, RZ) === 0.0
    @test PyRef.mul_round(floatmax(Float64), 2.0, RZ) === floatmax(Float64)
    @test PyRef.mul_round(-floatmax(Float64), 2.0, RD) === -Inf
    @test PyRef.add_round(5e-324, -0.0, RD) === 5e-324
end

"""vrcp14sd of x on this CPU (x86_64 with AVX-512 only): the instruction SVML uses."""
hw_rcp14(x::Float64) = Base.llvmcall("""
    %r = call double asm "vrcp14sd \$1, \$1, \$0", "=x,x"(double %0)
    ret double %r
    """, Float64, Tuple{Float64}, x)

@testset "vrcp14pd step tables" begin
    # Measured data (see numpymath.jl). A relative error below 2^-14 (Intel's bound)
    # keeps each step within 16 prefixes of where the exact reciprocal steps; the
    # the test vectors sample all of those, so np.log and np.power check the data itself.
    for (steps, denominator) in ((PyRef.RCP14_STEPS_LOG, 32), (PyRef.RCP14_STEPS_POW, 64))
        @test length(steps) == denominator ÷ 2
        @test issorted(steps)
        exact = [floor(Int, (denominator / (k + 0.5) - 1) * 65536) for k in (denominator - 1):-1:(denominator ÷ 2)]
        @test all(abs.(Int.(steps) .- exact) .<= 16)
    end
    # The lookup the kernels use counts the steps right.
    @test all(PyRef._log_rcp_k(UInt16(p)) == 32 - PyRef._steps_below(PyRef.RCP14_STEPS_LOG, UInt16(p)) for p in 0:65535)
    @test all(PyRef._pow_rcp_k(UInt16(p)) == 64 - PyRef._steps_below(PyRef.RCP14_STEPS_POW, UInt16(p)) for p in 0:65535)
    # Where the CPU has the instruction, check the tables against it on every
    # 16-bit fraction prefix (with low bits all zero, all one, and mixed), rounded
    # to 1/32 with ties to even as vrndscalepd does; mantissas in [1,2) for log,
    # [1/2,1) for pow.
    if Sys.ARCH === :x86_64 && PyRef.x86_numpy_targets()[2]
        wrong = 0
        for p in 0:65535, low in (UInt64(0), (UInt64(1) << 36) - 1, UInt64(0x5a5a5a5a5))
            m = reinterpret(Float64, 0x3ff0000000000000 | (UInt64(p) << 36) | low)
            wrong += round(hw_rcp14(m) * 32) != PyRef._log_rcp_k(UInt16(p))
            wrong += round(hw_rcp14(m / 2) * 32) != PyRef._pow_rcp_k(UInt16(p))
        end
        @test wrong == 0
    else
        @info "no AVX-512 here: the vrcp14pd step tables are checked only through numpy's outputs"
    end
end

@testset "mode switches" begin
    saved = numpy_math_mode()
    try
        @test set_numpy_math!(math=:libm, tanh=:libm) == (math=:libm, tanh=:libm)
        @test np_exp(0.3) === PyRef.libm_exp(0.3)
        @test np_tanh(0.3) === PyRef.libm_tanh(0.3)
        @test np_power(10.0, -0.3) === PyRef.libm_pow(10.0, -0.3)
        @test set_numpy_math!(math=:svml, tanh=:simd) == (math=:svml, tanh=:simd)
        @test np_log(0.3) === PyRef.svml_log(0.3)
        @test np_tanh(0.3) === PyRef.hwy_tanh(0.3)
        @test_throws ArgumentError set_numpy_math!(math=:avx512)
        @test_throws ArgumentError set_numpy_math!(tanh=:fast)
        withenv("PYREF_NUMPY_MATH" => "fast") do
            @test_throws ArgumentError set_numpy_math!()
        end
        withenv("PYREF_NUMPY_MATH" => "LIBM", "PYREF_NUMPY_TANH" => "simd") do
            @test set_numpy_math!() == (math=:libm, tanh=:simd)
        end
    finally
        set_numpy_math!(math=saved.math, tanh=saved.tanh)
    end
end
