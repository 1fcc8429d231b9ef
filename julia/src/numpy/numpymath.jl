# numpy's float64 exp, log, tanh and power, reproduced bit for bit.
#
# Which code numpy runs for these ufuncs depends on the CPU it was dispatched to:
#   * exp, log and power (arrays): Intel SVML's AVX-512 kernels (__svml_exp8_ha,
#     __svml_log8_ha, __svml_pow8_ha) on Linux x86_64 hosts with AVX512 F/CD/BW/DQ/VL
#     (numpy's X86_V4 / AVX512_SKX target), else the C library (npy_exp = exp, ...);
#   * tanh: numpy's own Highway kernel (a port of SVML's tanh_d_la) wherever the
#     dispatched target has native FMA (x86_64 with AVX2+FMA3, aarch64), else libm.
# The SVML and Highway kernels are emulated here lane by lane in scalar IEEE
# arithmetic, including their scalar "rare path" callouts for special inputs;
# the C library is called through ccall, as numpy does.

# --------------------------------------------------------------------------
# Mode: which implementation np_exp & co. use
# --------------------------------------------------------------------------

const ENV_NUMPY_MATH = "PYREF_NUMPY_MATH"
const ENV_NUMPY_TANH = "PYREF_NUMPY_TANH"

# Bit 0: a mode has been chosen; bit 1: SVML exp/log/power; bit 2: Highway tanh.
const _MODE = Ref{UInt8}(0x00)
const _MODE_SET = 0x01
const _MODE_SVML = 0x02
const _MODE_SIMD_TANH = 0x04

"""CPUID leaf `leaf`, subleaf `sub`, as (eax, ebx, ecx, edx); x86 only."""
function _cpuid(leaf::Integer, sub::Integer=0)
    regs = zeros(Int32, 4)
    ccall(:jl_cpuidex, Cvoid, (Ptr{Int32}, Int32, Int32), regs, leaf % Int32, sub % Int32)
    return (reinterpret(UInt32, regs[1]), reinterpret(UInt32, regs[2]),
            reinterpret(UInt32, regs[3]), reinterpret(UInt32, regs[4]))
end

"""Low word of XCR0 (the register state the OS saves); x86 only, needs OSXSAVE."""
_xgetbv0() = Base.llvmcall("""
    %r = call { i32, i32 } asm sideeffect "xgetbv", "={ax},={dx},{cx},~{dirflag},~{fpsr},~{flags}"(i32 0)
    %lo = extractvalue { i32, i32 } %r, 0
    ret i32 %lo
    """, UInt32, Tuple{})

_bit(word::UInt32, n::Integer) = (word >> n) & 0x1 == 0x1

"""
    x86_numpy_targets() -> (v3::Bool, v4::Bool)

numpy's X86_V3 (AVX, AVX2, FMA3, F16C, BMI, BMI2, LZCNT, MOVBE on top of the
SSE4.2/POPCNT/CX16/LAHF baseline) and X86_V4 (= AVX512_SKX: AVX512 F, CD, BW, DQ,
VL) groups for this CPU, decided as numpy's npy_cpu_features.c does, including
the OS check that the YMM (XCR0 & 6) and ZMM (XCR0 & 0xe6) states are enabled.
"""
function x86_numpy_targets()
    maxleaf = _cpuid(0)[1]
    maxleaf >= 7 || return (false, false)
    _, _, c1, d1 = _cpuid(1)
    v2 = _bit(d1, 25) && _bit(d1, 26) && _bit(c1, 0) && _bit(c1, 9) && _bit(c1, 19) &&
         _bit(c1, 20) && _bit(c1, 23) && _bit(c1, 13)
    xcr0 = _bit(c1, 27) ? _xgetbv0() : 0x00000000
    avx = _bit(c1, 28) && (xcr0 & 0x6) == 0x6
    ext = _cpuid(0x80000000)[1] >= 0x80000001 ? _cpuid(0x80000001)[3] : 0x00000000
    lahf, lzcnt = _bit(ext, 0), _bit(ext, 5)
    _, b7, _, _ = _cpuid(7)
    bmi = _bit(b7, 3)
    v3 = v2 && lahf && avx && _bit(b7, 5) && _bit(c1, 29) && _bit(c1, 12) && bmi &&
         _bit(b7, 8) && lzcnt && _bit(c1, 22)
    avx512 = _bit(b7, 16) && (xcr0 & 0xe6) == 0xe6
    v4 = v3 && avx512 && _bit(b7, 28) && _bit(b7, 30) && _bit(b7, 17) && _bit(b7, 31)
    return (v3, v4)
end

"""What numpy on this machine would run: (svml, simd_tanh), from the CPU and OS."""
function _detect_mode()
    if Sys.ARCH === :x86_64
        v3, v4 = x86_numpy_targets()
        # numpy links SVML only into its Linux x86_64 builds.
        return (v4 && Sys.islinux(), v3)
    end
    # aarch64: numpy's Highway tanh runs on the NEON baseline (which has FMA).
    return (false, Sys.ARCH === :aarch64)
end

function _env_choice(name::String, options::Tuple{String,String})
    value = lowercase(strip(get(ENV, name, "")))
    isempty(value) && return nothing
    value in options && return value == options[1]
    throw(ArgumentError("$name must be \"$(options[1])\" or \"$(options[2])\" (or unset to " *
                        "detect it from the CPU), got $(repr(get(ENV, name, "")))"))
end

function _choose_mode()::UInt8
    svml = _env_choice(ENV_NUMPY_MATH, ("svml", "libm"))
    simd = _env_choice(ENV_NUMPY_TANH, ("simd", "libm"))
    if svml === nothing || simd === nothing
        detected = _detect_mode()
        svml === nothing && (svml = detected[1])
        simd === nothing && (simd = detected[2])
    end
    return _MODE_SET | (svml ? _MODE_SVML : 0x00) | (simd ? _MODE_SIMD_TANH : 0x00)
end

@noinline function _init_mode!()::UInt8
    mode = _choose_mode()
    # Never bake a mode into a precompiled image: it belongs to the running host.
    ccall(:jl_generating_output, Cint, ()) == 0 && (_MODE[] = mode)
    return mode
end

@inline function _mode()::UInt8
    mode = _MODE[]
    return mode == 0x00 ? _init_mode!() : mode
end

"""
    numpy_math_mode() -> (math = :svml | :libm, tanh = :simd | :libm)

The implementations `np_exp`/`np_log`/`np_power` (`math`) and `np_tanh` (`tanh`)
reproduce. Chosen once per process from `\$PYREF_NUMPY_MATH` (`svml` or `libm`) and
`\$PYREF_NUMPY_TANH` (`simd` or `libm`); where unset, from this CPU as numpy's
dispatcher would choose (pyref's Julia launcher sets both from the numpy it runs
beside, see pyref/runtime/mathmode.py).
"""
function numpy_math_mode()
    mode = _mode()
    return (math=(mode & _MODE_SVML != 0 ? :svml : :libm),
            tanh=(mode & _MODE_SIMD_TANH != 0 ? :simd : :libm))
end

"""
    set_numpy_math!(; math=:svml|:libm, tanh=:simd|:libm)
    set_numpy_math!()

Force the implementations (tests, benchmarks), or with no arguments re-read the
environment variables / CPU. Returns the new `numpy_math_mode()`.
"""
function set_numpy_math!(; math::Union{Symbol,Nothing}=nothing, tanh::Union{Symbol,Nothing}=nothing)
    if math === nothing && tanh === nothing
        _MODE[] = _choose_mode()
        return numpy_math_mode()
    end
    current = numpy_math_mode()
    math === nothing && (math = current.math)
    tanh === nothing && (tanh = current.tanh)
    math in (:svml, :libm) || throw(ArgumentError("math must be :svml or :libm, got $(repr(math))"))
    tanh in (:simd, :libm) || throw(ArgumentError("tanh must be :simd or :libm, got $(repr(tanh))"))
    _MODE[] = _MODE_SET | (math === :svml ? _MODE_SVML : 0x00) | (tanh === :simd ? _MODE_SIMD_TANH : 0x00)
    return numpy_math_mode()
end

# --------------------------------------------------------------------------
# The C library (numpy's npy_exp, npy_log, npy_pow, npy_tanh)
# --------------------------------------------------------------------------

# numpy's Linux wheels are built against an old glibc, so they bind exp, log and
# pow to those functions' first symbol versions (GLIBC_2.2.5 on x86_64,
# GLIBC_2.17 on aarch64): glibc's compatibility wrappers, which agree with the
# current versions (GLIBC_2.29) except that log(x < 0) is +NaN instead of -NaN.
# Those versions are looked up with dlvsym; where there are none (other C
# libraries, other platforms) the default symbols are used. tanh has one version.

const _GLIBC_FIRST_VERSION = Sys.ARCH === :x86_64 ? "GLIBC_2.2.5" : Sys.ARCH === :aarch64 ? "GLIBC_2.17" : ""

# exp, log, pow entry points as numpy binds them; C_NULL: use the default symbol.
const _LIBM_FUNCS = Ref{NTuple{3,Ptr{Cvoid}}}((C_NULL, C_NULL, C_NULL))
const _LIBM_READY = Ref(false)

function _versioned_libm_symbol(name::String)::Ptr{Cvoid}
    (Sys.islinux() && !isempty(_GLIBC_FIRST_VERSION)) || return C_NULL
    try
        lib = ccall(:dlopen, Ptr{Cvoid}, (Cstring, Cint), NumpyRandom.LIBM, 2)   # RTLD_NOW
        lib == C_NULL && return C_NULL
        return ccall(:dlvsym, Ptr{Cvoid}, (Ptr{Cvoid}, Cstring, Cstring), lib, name, _GLIBC_FIRST_VERSION)
    catch
        return C_NULL                     # no dlvsym: not glibc
    end
end

@noinline function _init_libm!()
    funcs = (_versioned_libm_symbol("exp"), _versioned_libm_symbol("log"), _versioned_libm_symbol("pow"))
    if ccall(:jl_generating_output, Cint, ()) == 0
        _LIBM_FUNCS[] = funcs
        _LIBM_READY[] = true
    end
    return funcs
end

@inline _libm_funcs() = _LIBM_READY[] ? _LIBM_FUNCS[] : _init_libm!()

"""The C library's exp, as numpy calls it (npy_exp)."""
function libm_exp(x::Float64)
    f = _libm_funcs()[1]
    f == C_NULL && return ccall((:exp, NumpyRandom.LIBM), Float64, (Float64,), x)
    return ccall(f, Float64, (Float64,), x)
end

"""The C library's log, as numpy calls it (npy_log)."""
function libm_log(x::Float64)
    f = _libm_funcs()[2]
    f == C_NULL && return ccall((:log, NumpyRandom.LIBM), Float64, (Float64,), x)
    return ccall(f, Float64, (Float64,), x)
end

"""The C library's pow, as numpy calls it (npy_pow)."""
function libm_pow(x::Float64, y::Float64)
    f = _libm_funcs()[3]
    f == C_NULL && return ccall((:pow, NumpyRandom.LIBM), Float64, (Float64, Float64), x, y)
    return ccall(f, Float64, (Float64, Float64), x, y)
end

"""The C library's tanh (npy_tanh)."""
libm_tanh(x::Float64) = ccall((:tanh, NumpyRandom.LIBM), Float64, (Float64,), x)

# --------------------------------------------------------------------------
# Bits and exactly rounded arithmetic
# --------------------------------------------------------------------------

@inline _bits(x::Float64) = reinterpret(UInt64, x)
@inline _fl(u::UInt64) = reinterpret(Float64, u)
@inline _quiet(x::Float64) = _fl(_bits(x) | 0x0008000000000000)
"""2^e for a normal exponent e (-1022 <= e <= 1023)."""
@inline _pow2(e::Int) = _fl(UInt64(e + 1023) << 52)
"""x86's "real indefinite" NaN, what 0/0 and other invalid SSE operations return."""
const _X86_NAN = _fl(0xfff8000000000000)
const _ABS_MASK = 0x7fffffffffffffff
const _EXP_MASK = 0x7ff0000000000000

# Rounding directions of the exactly rounded helpers below (the {rn,rd,ru,rz-sae}
# embedded roundings of AVX-512).
const _RN, _RD, _RU, _RZ = 0, 1, 2, 3

"""(negative, significand, exponent) of a finite nonzero x: |x| = significand * 2^exponent."""
@inline function _unpack(x::Float64)
    b = _bits(x)
    field = Int((b >> 52) & 0x7ff)
    frac = b & 0x000fffffffffffff
    field == 0 && return (b >> 63 == 1, frac, -1074)
    return (b >> 63 == 1, frac | 0x0010000000000000, field - 1075)
end

"""
    _pack(negative, m, e, sticky, dir)

The Float64 nearest (in direction `dir`) to ±(m + s) * 2^e, where s is 0 when
`sticky` is false and some value in (0, 1) when it is true: IEEE rounding of an
exact intermediate, with gradual underflow and overflow. Needs m < 2^127.
"""
function _pack(neg::Bool, m::UInt128, e::Int, sticky::Bool, dir::Int)::Float64
    nbits = 128 - leading_zeros(m)
    shift = max(nbits - 53, -1074 - e)
    if shift > 0
        if shift >= 128                  # all of m lies below half an ulp
            q, rest = UInt128(0), m
            above_half = false
            exact_half = false
        else
            q = m >> shift
            rest = m & ((UInt128(1) << shift) - 1)
            halfway = UInt128(1) << (shift - 1)
            above_half = rest > halfway || (rest == halfway && sticky)
            exact_half = rest == halfway && !sticky
        end
        inexact = rest != 0 || sticky
        e += shift
    else
        q = m << (-shift)
        e += shift
        inexact = sticky
        above_half = false
        exact_half = false
    end
    up = if dir == _RN
        above_half || (exact_half && isodd(q))
    elseif dir == _RZ
        false
    elseif dir == _RD
        neg && inexact
    else
        !neg && inexact
    end
    up && (q += 1)
    if q == UInt128(1) << 53
        q >>= 1
        e += 1
    end
    sign = neg ? 0x8000000000000000 : 0x0000000000000000
    q == 0 && return _fl(sign)
    if q < UInt128(1) << 52          # subnormal: e == -1074
        return _fl(sign | UInt64(q))
    end
    field = e + 1075
    if field >= 2047
        toward_inf = dir == _RN || (dir == _RU && !neg) || (dir == _RD && neg)
        return _fl(sign | (toward_inf ? _EXP_MASK : 0x7fefffffffffffff))
    end
    return _fl(sign | (UInt64(field) << 52) | (UInt64(q) & 0x000fffffffffffff))
end

"""
    fma_round(a, b, c, dir)

a*b + c computed exactly and rounded once in direction `dir` (`_RN`, `_RD`, `_RU`,
`_RZ`): AVX-512's `vfmadd` with embedded rounding. Integer arithmetic, no BigFloat.
"""
function fma_round(a::Float64, b::Float64, c::Float64, dir::Int)::Float64
    if !(isfinite(a) && isfinite(b) && isfinite(c))
        return fma(a, b, c)          # infinities and NaNs do not depend on rounding
    end
    if a == 0.0 || b == 0.0
        p = a * b                    # an exact signed zero
        c != 0.0 && return c
        signbit(p) == signbit(c) && return c
        return dir == _RD ? -0.0 : 0.0
    end
    sa, ma, ea = _unpack(a)
    sb, mb, eb = _unpack(b)
    sp, mp, ep = sa ⊻ sb, UInt128(ma) * mb, ea + eb
    c == 0.0 && return _pack(sp, mp, ep, false, dir)
    sc, mc64, ec = _unpack(c)
    mc = UInt128(mc64)
    # Put both leading bits at bit 124, then align the smaller operand.
    sh = leading_zeros(mp) - 3
    mp <<= sh
    ep -= sh
    sh = leading_zeros(mc) - 3
    mc <<= sh
    ec -= sh
    if ep < ec || (ep == ec && mp < mc)
        sp, mp, ep, sc, mc, ec = sc, mc, ec, sp, mp, ep
    end
    d = ep - ec
    sticky = false
    if d >= 128
        sticky = mc != 0
        mc = UInt128(0)
    elseif d > 0
        sticky = mc & ((UInt128(1) << d) - 1) != 0
        mc >>= d
    end
    if sp == sc
        m = mp + mc
    else
        m = mp - mc
        sticky && (m -= 1)
        m == 0 && !sticky && return dir == _RD ? -0.0 : 0.0
    end
    return _pack(sp, m, ep, sticky, dir)
end

"""a + b rounded once in direction `dir`."""
add_round(a::Float64, b::Float64, dir::Int) = fma_round(a, 1.0, b, dir)

"""a * b rounded once in direction `dir`."""
function mul_round(a::Float64, b::Float64, dir::Int)::Float64
    (isfinite(a) && isfinite(b) && a != 0.0 && b != 0.0) || return a * b
    sa, ma, ea = _unpack(a)
    sb, mb, eb = _unpack(b)
    return _pack(sa ⊻ sb, UInt128(ma) * mb, ea + eb, false, dir)
end

"""
    _getmant(x, half) -> (m, e)

AVX-512 vgetmantpd (sign cleared) and vgetexppd of a finite nonzero x: e =
floor(log2|x|) and |x| = m * 2^e with m in [1, 2), or with `half`, m in [1/2, 1)
and |x| = m * 2^(e+1). Subnormals are normalised, as the instructions do.
"""
@inline function _getmant(x::Float64, half::Bool)
    b = _bits(x) & _ABS_MASK
    field = Int(b >> 52)
    frac = b & 0x000fffffffffffff
    if field == 0
        shift = leading_zeros(frac) - 11
        frac = (frac << shift) & 0x000fffffffffffff
        field = 1 - shift
    end
    top = half ? 0x3fe0000000000000 : 0x3ff0000000000000
    return _fl(top | frac), field - 1023
end

# --------------------------------------------------------------------------
# vrcp14pd
# --------------------------------------------------------------------------
# SVML's log and pow take vrcp14pd(m) of the mantissa m and round it to 5
# fraction bits (vrndscalepd, ties to even) before use, so only which multiple
# of 1/32 comes out matters. Intel documents the instruction only to a relative
# error below 2^-14; its exact results were measured on an Intel Sapphire Rapids
# (Xeon, AVX512-FP16) with a throwaway C probe: on m in [1, 2) the result depends
# only on the top 16 fraction bits of m (checked with random low bits on all 2^16
# prefixes), scales exactly by powers of two, and the rounded value falls as the
# prefix grows. The prefixes at which it steps down are recorded below. They
# matter rarely but measurably: at a step, the two neighbouring reciprocals give
# different log results for 0.02-1.4% of inputs in [1/2, 2), far fewer elsewhere.
# test_numpymath.jl checks the data against the CPU's vrcp14sd where it has
# AVX-512, and the test vectors sample np.log and np.power around every step.

"""Smallest 16-bit fraction prefix of m in [1,2) at which round(32*rcp14(m)) drops below 32, 31, ..., 17."""
const RCP14_STEPS_LOG = UInt16[1039, 3223, 5556, 8048, 10726, 13603, 16707, 20063, 23705, 27669,
                               32007, 36764, 42010, 47824, 54300, 61568]
"""Smallest 16-bit fraction prefix of m in [1,2) at which round(64*rcp14(m)) drops below 64, 63, ..., 33."""
const RCP14_STEPS_POW = UInt16[518, 1575, 2666, 3792, 4957, 6159, 7410, 8701, 10038, 11423, 12864,
                               14354, 15909, 17518, 19198, 20946, 22767, 24663, 26647, 28717, 30885,
                               33154, 35533, 38026, 40651, 43407, 46313, 49376, 52616, 56038, 59669,
                               63523]

"""How many of the sorted `steps` are <= p."""
function _steps_below(steps::Vector{UInt16}, p::UInt16)
    n = 0
    for s in steps
        n += (s <= p) % Int
    end
    return n
end

"""
    _bucketed(steps) -> (below, inside)

The same count by lookup: for each block of 256 prefixes, how many steps lie
before it, and the one step inside it (65536 if none; steps are far enough
apart that there is never more than one).
"""
function _bucketed(steps::Vector{UInt16})
    below = [_steps_below(steps, UInt16(256b) - 0x0001) * (b > 0) for b in 0:255]
    inside = fill(Int32(65536), 256)
    for s in steps
        b = Int(s >> 8) + 1
        inside[b] == 65536 || error("two vrcp14 steps in one block of prefixes")
        inside[b] = s
    end
    return below, inside
end

const _LOG_STEPS_BELOW, _LOG_STEP_INSIDE = _bucketed(RCP14_STEPS_LOG)
const _POW_STEPS_BELOW, _POW_STEP_INSIDE = _bucketed(RCP14_STEPS_POW)

"""k = round(32 * vrcp14(m)) for m in [1,2) with 16-bit fraction prefix p: SVML log's d = k/32."""
@inline function _log_rcp_k(p::UInt16)
    b = Int(p >> 8) + 1
    @inbounds return 32 - _LOG_STEPS_BELOW[b] - (Int32(p) >= _LOG_STEP_INSIDE[b])
end

"""k = round(64 * vrcp14(m)): SVML pow's d = vrcp14(m/2) rounded to 1/32 is k/32, k in 32:64."""
@inline function _pow_rcp_k(p::UInt16)
    b = Int(p >> 8) + 1
    @inbounds return 64 - _POW_STEPS_BELOW[b] - (Int32(p) >= _POW_STEP_INSIDE[b])
end

"""The top 16 fraction bits of m, all vrcp14pd looks at."""
@inline _rcp14_fraction_prefix(m::Float64) = UInt16((_bits(m) >> 36) & 0xffff)

# --------------------------------------------------------------------------
# Tables derivable from their definition (checked against SVML's data)
# --------------------------------------------------------------------------

"""(hi, lo): hi = RN(2^(j/n)), lo = RN((2^(j/n) - hi)/hi), j = 0:n-1."""
function _exp2_table_relative(n::Int)
    setprecision(BigFloat, 256) do
        hi = Float64[]
        lo = Float64[]
        for j in 0:(n - 1)
            v = big(2)^(big(j) / n)
            h = Float64(v)
            push!(hi, h)
            push!(lo, Float64((v - h) / h))
        end
        return hi, lo
    end
end

"""(hi, lo) for the values v: hi = v rounded to a multiple of 2^-40, lo = RN(v - hi)."""
function _split40(values::Vector{BigFloat})
    q = big(2)^-40
    hi = [Float64(round(v / q) * q) for v in values]
    lo = [Float64(v - big(h)) for (v, h) in zip(values, hi)]
    return hi, lo
end

# exp: 2^(j/16) and its relative tail (SVML exp main path, pow's exp2 stage).
const _T16_HI, _T16_LO = _exp2_table_relative(16)
# exp rare path: 2^(j/64) and its relative tail.
const _T64_HI, _T64_LO = _exp2_table_relative(64)
# log: -log(d) for the rounded reciprocal d = (16 + i)/32 of the mantissa (i = 0
# stands for d = 1 and for d = 1/2); below d = 3/4 the exponent gets +1 and the
# entry is -log(2d).
const _LOGT_HI, _LOGT_LO = setprecision(BigFloat, 256) do
    _split40([i == 0 ? big(0.0) : (d = big(16 + i) / 32; d < 0.75 ? -log(2d) : -log(d)) for i in 0:15])
end
# pow: -log2(d) for d = 1 + i/32 (i = 0 stands for d = 1 and d = 2); from d = 3/2
# on the exponent is not incremented and the entry is 1 - log2(d).
const _POWT_HI, _POWT_LO = setprecision(BigFloat, 256) do
    _split40([i == 0 ? big(0.0) : (d = 1 + big(i) / 32; d < 1.5 ? -log2(d) : 1 - log2(d)) for i in 0:31])
end

# --------------------------------------------------------------------------
# exp: SVML __svml_exp8_ha
# --------------------------------------------------------------------------
# Main path: N = x*log2(e) rounded toward zero to 4 fraction bits (an FMA with a
# 1.5*2^48 shifter in {rz-sae}); r = x - N*ln2 in two FMAs (ln2 split hi/lo);
# exp(x) = 2^floor(N) * Th*(1 + (Tl + r*poly(r))) with Th + Th*Tl = 2^(frac(N)).
# Lanes with |x| >= 707.70... (and +-Inf) take the scalar rare path, which uses a
# 64-entry table and handles overflow, underflow and subnormal results.

const _EXP_LOG2E = _fl(0x3ff71547652b82fe)
const _EXP_LN2_HI = _fl(0x3fe62e42fefa39ef)
const _EXP_LN2_LO = _fl(0x3c7abc9e3b39803f)
const _EXP_C6 = _fl(0x3f57411836940c04)
const _EXP_C5 = _fl(0x3f81101cbbc265c0)
const _EXP_C4 = _fl(0x3fa55557242d68fe)
const _EXP_C3 = _fl(0x3fc5555553939732)
const _EXP_C2 = _fl(0x3fe000000000d008)
const _EXP_C1 = _fl(0x3fefffffffffff70)
const _EXP_RARE_ABOVE = _fl(0x40861da04cbafe44)      # 707.703...: rare path from here on
# Rare path constants.
const _EXPR_64_LN2 = _fl(0x40571547652b82fe)         # 64/ln2
const _EXPR_SHIFT = _fl(0x4338000000000000)          # 1.5*2^52
const _EXPR_C = (_fl(0x3fe0000000000000), _fl(0x3fc55555555548f8), _fl(0x3fa5555555558fcc),
                 _fl(0x3f8111123aaf20d3), _fl(0x3f56c16a1c2a3ffd))
const _EXPR_OVERFLOW = _fl(0x40862e42fefa39ef)       # 709.78...: exp overflows above
const _EXPR_SUBNORMAL = _fl(0xc086232bdd7abcd2)      # -708.39...: subnormal results below
const _EXPR_UNDERFLOW = _fl(0xc0874910d52d3051)      # -745.13...: zero below
const _EXPR_LN2_64_HI = _fl(0x3f862e42fefa0000)
const _EXPR_LN2_64_LO = _fl(0x3d1cf79abc9e3b3a)
const _EXPR_SPLIT = _fl(0x41f8000000000000)          # 1.5*2^32

"""
    svml_exp(x)

Intel SVML's `__svml_exp8_ha` on one lane, as numpy's `np.exp` runs it on AVX-512
hosts (arrays of any length, 0-d arrays and numpy scalars alike).
"""
@inline function svml_exp(x::Float64)::Float64
    if !(abs(x) < _EXP_RARE_ABOVE)
        isnan(x) && return _quiet(x)      # the vector path carries x's NaN through
        return _svml_exp_rare(x)
    end
    # N = RZ(x*log2e + S) - S, S = 1.5*2^48 + 1023: the sum is positive, so that is
    # the exact product x*log2e floored to a multiple of 1/16.
    ph = x * _EXP_LOG2E
    pl = fma(x, _EXP_LOG2E, -ph)
    s = ph * 16.0
    f = floor(s)
    if f == s && pl < 0.0
        f -= 1.0
    end
    n = unsafe_trunc(Int, f)
    big_n = f * 0.0625
    j = (n & 15) + 1
    r = fma(-big_n, _EXP_LN2_HI, x)
    r = fma(-_EXP_LN2_LO, big_n, r)
    r = _fl(_bits(r) & 0xbfffffffffffffff)   # SVML keeps |r| < 2 for special lanes
    r2 = r * r
    p56 = fma(_EXP_C6, r, _EXP_C5)
    p34 = fma(_EXP_C4, r, _EXP_C3)
    p12 = fma(_EXP_C2, r, _EXP_C1)
    p = fma(r2, p56, p34)
    p = fma(r2, p, p12)
    @inbounds th = _T16_HI[j]
    @inbounds q = fma(p, r, _T16_LO[j])
    y = fma(th, q, th)
    return y * _pow2(n >> 4)               # vscalefpd: exact, the result is normal
end

"""SVML's scalar exp callout (__svml_dexp_ha_cout_rare_internal) for |x| >= 707.70..."""
@noinline function _svml_exp_rare(x::Float64)::Float64
    field = Int((_bits(x) >> 52) & 0x7ff)
    if field == 0x7ff
        return x == -Inf ? 0.0 : x * x
    end
    field <= 970 && return 1.0 + x
    x > _EXPR_OVERFLOW && return floatmax(Float64) * floatmax(Float64)
    x < _EXPR_UNDERFLOW && return _fl(0x0010000000000001) * _fl(0x0010000000000001)
    u = x * _EXPR_64_LN2 + _EXPR_SHIFT
    n = Int(reinterpret(Int32, UInt32(_bits(u) & 0xffffffff)))
    nd = u - _EXPR_SHIFT
    j = (n & 63) + 1
    r = (x - nd * _EXPR_LN2_64_HI) - nd * _EXPR_LN2_64_LO
    c1, c2, c3, c4, c5 = _EXPR_C
    p = ((((c5 * r + c4) * r + c3) * r + c2) * r + c1) * r * r + r
    @inbounds th = _T64_HI[j]
    @inbounds p = (p + _T64_LO[j]) * th
    k = n >> 6                                # 2^k * th * (1 + ...)
    if x >= _EXPR_SUBNORMAL
        s = p + th
        field = (k + 1023) & 2047
        field > 2046 && return s * _fl(0x7fe0000000000000) * 2.0
        return s * _fl(UInt64(field) << 52)
    end
    # Subnormal result: scale by 2^(k+60) first, then by 2^-60 in one or two parts.
    field = (k + 1083) & 2047
    scale = _fl(UInt64(field) << 52)
    b = p * scale
    a = scale * th
    s = a + b
    field <= 50 && return s * _fl(0x3c30000000000000)
    err = (a - s) + b
    c = s * _EXPR_SPLIT
    hs = (s + c) - c
    ls = err + (s - hs)
    return hs * _fl(0x3c30000000000000) + ls * _fl(0x3c30000000000000)
end

# --------------------------------------------------------------------------
# log: SVML __svml_log8_ha
# --------------------------------------------------------------------------
# x = 2^e * m, m in [1,2) (vgetexppd/vgetmantpd, subnormals normalised); d =
# vrcp14pd(m) rounded to 5 fraction bits; R = d*m - 1 (exact);
# log(x) = e'*ln2 + T(d) + log1p(R), with e' = e + 1 and T = -log(2d) when d < 3/4.
# NaN, +-0, +-Inf and negative x take the scalar rare path.

const _LOG_C9 = _fl(0x3fbc81cd309d7c70)
const _LOG_C8 = _fl(0xbfc007357e93af62)
const _LOG_C7 = _fl(0x3fc249229cee81ef)
const _LOG_C6 = _fl(0xbfc55553fb28db06)
const _LOG_C5 = _fl(0x3fc9999999cc9f5c)
const _LOG_C4 = _fl(0xbfd00000000c05bd)
const _LOG_C3 = _fl(0x3fd5555555555466)
const _LOG_C2 = _fl(0xbfdfffffffffffc6)
const _LOG_LN2_HI = _fl(0x3fe62e42fefa0000)
const _LOG_LN2_LO = _fl(0x3d7cf79abc9e0000)

"""
    svml_log(x)

Intel SVML's `__svml_log8_ha` on one lane, as numpy's `np.log` runs it on AVX-512
hosts.
"""
@inline function svml_log(x::Float64)::Float64
    b = _bits(x)
    # vfpclasspd 0xdf: NaN, +-0, +-Inf and negative lanes go to the callout.
    if !(0x0000000000000000 < b < _EXP_MASK)
        return _svml_log_rare(x)
    end
    m, e = _getmant(x, false)
    k = _log_rcp_k(_rcp14_fraction_prefix(m))   # d = k/32
    d = k * 0.03125
    r = fma(d, m, -1.0)
    ef = Float64(e)
    k < 24 && (ef += 1.0)
    i = (k == 32 ? 0 : k - 16) + 1
    p67 = fma(_LOG_C7, r, _LOG_C6)
    p89 = fma(_LOG_C9, r, _LOG_C8)
    r2 = r * r
    p45 = fma(_LOG_C5, r, _LOG_C4)
    p = fma(r2, p89, p67)
    r4 = r2 * r2
    p23 = fma(_LOG_C3, r, _LOG_C2)
    q = fma(r2, p45, p23)
    @inbounds a = fma(_LOG_LN2_HI, ef, _LOGT_HI[i])
    p = fma(r4, p, q)
    hi = a + r
    rh = hi - a
    rl = r - rh
    p = fma(r2, p, rl)
    @inbounds c = fma(_LOG_LN2_LO, ef, _LOGT_LO[i])
    return hi + (p + c)
end

"""SVML's scalar log callout (__svml_dlog_ha_cout_rare_internal): NaN, zeros, infinities, x < 0."""
@noinline function _svml_log_rare(x::Float64)::Float64
    if (_bits(x) & _EXP_MASK) == _EXP_MASK
        x == -Inf && return _X86_NAN
        return isnan(x) ? _quiet(x) : x   # x*x: +Inf stays, NaN is quietened
    end
    x == 0.0 && return -Inf
    return _X86_NAN                       # x < 0: 0/0 on x86
end

# --------------------------------------------------------------------------
# tanh: numpy's Highway kernel (SVML tanh_d_la, ported; loops_hyperbolic)
# --------------------------------------------------------------------------
# |x| is sorted into 16 intervals by its exponent and top mantissa bits; on each,
# tanh(|x|) = P(|x| - B) with a degree-16 polynomial (Horner, FMAs); the last
# interval and |x| beyond ~2^1023 give 1; the sign is or-ed back; NaN gives a
# positive quiet NaN.

"""Column i: interval i's B, then c0, c1, ..., c16 of its P (numpy's lut18x16, as bit patterns)."""
const _TANH_TABLE = _fl.(UInt64[
    0x0000000000000000, 0x0000000000000000, 0x3ff0000000000000, 0xbbf0b3ea3fdfaa19, 0xbfd5555555555555, 0xbce6863ee44ed636,  # interval 0: B, c0..c4
    0x3fc1111111112ab5, 0xbda1ea19ddddb3b4, 0xbfaba1ba1990520b, 0xbe351ca7f096011f, 0x3f9664f94e6ac14e, 0xbea8c4c1fd7852fe,
    0xbf822404577aa9dd, 0xbefdd99a221ed573, 0x3f6e3be689423841, 0xbf2a1306713a4f3a, 0xbf55d7e76dc56871, 0x3f35e67ab76a26e7,
    0x3fcc000000000000, 0x3fcb8fd0416a7c92, 0x3fee842ca3f08532, 0xbfca48aaeb53bc21, 0xbfd183afc292ba11, 0x3fc04dcd0476c75e,  # interval 1: B, c0..c4
    0x3fb5c19efdfc08ad, 0xbfb0b8df995ce4df, 0xbf96e37bba52f6fc, 0x3f9eaaf3320c3851, 0xbf94d3343bae39dd, 0xbfccce16b1046f13,
    0x403d8b07f7a82aa3, 0x4070593a3735bab4, 0xc0d263511f5baac1, 0xc1045e509116b066, 0x41528c38809c90c7, 0x41848ee0627d8206,
    0x3fd4000000000000, 0x3fd35f98a0ea650e, 0x3fed11574af58f1b, 0xbfd19921f4329916, 0xbfcc1a4b039c9bfa, 0x3fc43d3449a80f08,  # interval 2: B, c0..c4
    0x3fa74c98dc34fbac, 0xbfb2955cf41e8164, 0x3ecff7df18455399, 0x3f9cf823fe761fc1, 0xbf7bc748e60df843, 0xbf81a16f224bb7b6,
    0xbf9f44ab92fbab0a, 0xbfccab654e44835e, 0x40169f73b15ebe5c, 0x4041fab9250984ce, 0xc076d57fb5190b02, 0xc0a216d618b489ec,
    0x3fdc000000000000, 0x3fda5729ee488037, 0x3fea945b9c24e4f9, 0xbfd5e0f09bef8011, 0xbfc16e1e6d8d0be6, 0x3fc5c26f3699b7e7,  # interval 3: B, c0..c4
    0xbf790d6a8eff0a77, 0xbfaf9d05c309f7c6, 0x3f97362834d33a4e, 0x3f9022271754ff1f, 0xbf8c89372b43ba85, 0xbf62cbf00406bc09,
    0x3fb2eac604473d6a, 0x3fd13ed80037dbac, 0xc025c1dd41cd6cb5, 0xc0458d090ec3de95, 0x4085f09f888f8ada, 0x40a5b89107c8af4f,
    0x3fe4000000000000, 0x3fe1bf47eabb8f95, 0x3fe6284c3374f815, 0xbfd893b59c35c882, 0xbf92426c751e48a2, 0x3fc1a686f6ab2533,  # interval 4: B, c0..c4
    0xbfac3c021789a786, 0xbf987d27ccff4291, 0x3f9e7f8380184b45, 0xbf731fe77c9c60af, 0xbf8129a092de747a, 0x3f75b29bb02cf69b,
    0x3f45f87d903aaac8, 0xbf6045b9076cc487, 0xbf58fd89fe05e0d1, 0xbf74949d60113d63, 0x3fa246332a2fcba5, 0x3fb69d8374520eda,
    0x3fec000000000000, 0x3fe686650b8c2015, 0x3fe02500a09f8d6e, 0xbfd6ba7cb7576538, 0x3fb4f152b2bad124, 0x3faf203c316ce730,  # interval 5: B, c0..c4
    0xbfae2196b7326859, 0x3f8b2ca62572b098, 0x3f869543e7c420d4, 0xbf84a6046865ec7d, 0x3f60c85b4d538746, 0x3f607df0f9f90c17,
    0xbf5e104671036300, 0x3f2085ee7e8ac170, 0x3f73f7af01d5af7a, 0x3f7c9fd6200d0ade, 0xbfb29d851a896fcd, 0xbfbded519f981716,
    0x3ff4000000000000, 0x3feb2523bb6b2dee, 0x3fd1f25131e3a8c0, 0xbfce7291743d7555, 0x3fbbba40cbef72be, 0xbf89c7a02788557c,  # interval 6: B, c0..c4
    0xbf93a7a011ff8c2a, 0x3f8f1cf6c7f5b00a, 0xbf7326bd4914222a, 0xbf4ca3f1f2b9192b, 0x3f5be9392199ec18, 0xbf4b852a6e0758d5,
    0x3f19bc98ddf0f340, 0x3f23524622610430, 0xbf1e40bdead17e6b, 0x3f02cd40e0ad0a9f, 0x3ed9065ae369b212, 0xbef02d288b5b3371,
    0x3ffc000000000000, 0x3fee1fbf97e33527, 0x3fbd22ca1c24a139, 0xbfbb6d85a01efb80, 0x3fb01ba038be6a3d, 0xbf98157e26e0d541,  # interval 7: B, c0..c4
    0x3f6e4709c7e8430e, 0x3f60379811e43dd5, 0xbf5fc15b0a9d98fa, 0x3f4c77dee0afd227, 0xbf2a0c68a4489f10, 0xbf0078c63d1b8445,
    0x3f0d4304bc9246e8, 0xbeff12a6626911b4, 0x3ee224cd6c4513e5, 0xbe858ab8e019f311, 0xbeb8e1ba4c98a030, 0x3eb290981209c1a6,
    0x4004000000000000, 0x3fef9258260a71c2, 0x3f9b3afe1fba5c76, 0xbf9addae58c7141a, 0x3f916df44871efc8, 0xbf807b55c1c7d278,  # interval 8: B, c0..c4
    0x3f67682afa611151, 0xbf4793826f78537e, 0x3f14cffcfa69fbb6, 0x3f04055bce68597a, 0xbf00462601dc2faa, 0x3eec12eadd55be7a,
    0xbed13c415f7b9d41, 0x3eab9008bca408af, 0xbe24b645e68eeaa3, 0xbe792fa6323b7cf8, 0x3e6ffd0766ad4016, 0xbe567e924bf5ff6e,
    0x400c000000000000, 0x3feff112c63a9077, 0x3f6dd37d19b22b21, 0xbf6dc59376c7aa19, 0x3f63c6869dfc8870, 0xbf53a18d5843190f,  # interval 9: B, c0..c4
    0x3f3ef2ee77717cbf, 0xbf2405695e36240f, 0x3f057e48e5b79d10, 0xbee2bf0cb4a71647, 0x3eb7b6a219dea9f4, 0xbe6fa600f593181b,
    0xbe722b8d9720cdb0, 0x3e634df71865f620, 0xbe4abfebfb72bc83, 0x3e2df04d67876402, 0xbe0c63c29f505f5b, 0x3de3f7f7de6b0eb6,
    0x4014000000000000, 0x3fefff419668df11, 0x3f27ccec13a9ef96, 0xbf27cc5e74677410, 0x3f1fb9aef915d828, 0xbf0fb6bbc89b1a5b,  # interval 10: B, c0..c4
    0x3ef95a4482f180b7, 0xbee0e08de39ce756, 0x3ec33b66d7d77264, 0xbea31eaafe73efd5, 0x3e80cbcc8d4c5c8a, 0xbe5a3c935dce3f7d,
    0x3e322666d739bec0, 0xbe05bb1bcf83ca73, 0x3dd51c38f8695ed3, 0xbd95c72be95e4d2c, 0xbd7fab216b9e0e49, 0x3d69ed18bae3ebbc,
    0x401c000000000000, 0x3feffffc832750f2, 0x3ecbe6c3f33250ae, 0xbecbe6c0e8b4cc87, 0x3ec299d1e27c6e11, 0xbeb299c9c684a963,  # interval 11: B, c0..c4
    0x3e9dc2c27da3b603, 0xbe83d709ba5f714e, 0x3e66ac4e578b9b10, 0xbe46abb02c4368ed, 0x3e2425bb231a5e29, 0xbe001c6d95e3ae96,
    0x3dd76a553d7e7918, 0xbdaf2ac143fb6762, 0x3d8313ac38c6832b, 0xbd55a89c30203106, 0x3d2826b62056aa27, 0xbcf7534c4f3dfa71,
    0x4024000000000000, 0x3feffffffdc96f35, 0x3e41b4865394f75f, 0xbe41b486526b0565, 0x3e379b5ddcca334c, 0xbe279b5dd4fb3d01,  # interval 12: B, c0..c4
    0x3e12e2afd9f7433e, 0xbdf92e3fc5ee63e0, 0x3ddcc74b8d3d5c42, 0xbdbcc749ca8079dd, 0x3d9992a4beac8662, 0xbd74755a00ea1fd3,
    0x3d4de0fa59416a39, 0xbd23eae52a3dbf57, 0x3cf7787935626685, 0xbccad6b3bb9eff65, 0x3ca313e31762f523, 0xbc730b73f1eaff20,
    0x402c000000000000, 0x3fefffffffffcf58, 0x3d8853f01bda5f28, 0xbd8853f01bef63a4, 0x3d8037f57bc62c9a, 0xbd7037f57ae72aa6,  # interval 13: B, c0..c4
    0x3d59f320348679ba, 0xbd414cc030f2110e, 0x3d23c589137f92b4, 0xbd03c5883836b9d2, 0x3ce191ba5ed3fb67, 0xbcbc1c6c063bb7ac,
    0x3c948716cf3681b4, 0xbc6b5e3e9ca0955e, 0x3c401ffc49c6bc29, 0xbc12705ccd3dd884, 0x3bea37aa21895319, 0xbbba2cff8135d462,
    0x4034000000000000, 0x3ff0000000000000, 0x3c73953c0197ef58, 0xbc73955be519be31, 0x3c6a2d4b50a2cff7, 0xbc5a2ca2bba78e86,  # interval 14: B, c0..c4
    0x3c44b61d9bbcc940, 0xbc2ba022e8d82a87, 0x3c107f8e2c8707a1, 0xbbf07a5416264aec, 0x3bc892450bad44c4, 0xbba3be9a4460fe00,
    0x3b873f9f2d2fda99, 0xbb5eca68e2c1ba2e, 0xbabf0b21acfa52ab, 0xba8e0a4c47ae75f5, 0x3ae5c7f1fd871496, 0xbab5a71b5f7d9035,
    0x0000000000000000, 0x3ff0000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000,  # interval 15: B, c0..c4
    0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000,
    0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000,
]) |> t -> reshape(t, 18, 16)

"""
    hwy_tanh(x)

numpy's Highway `simd_tanh_f64` on one lane, what `np.tanh` runs on x86_64 with
AVX2+FMA3 (or AVX-512) and on aarch64.
"""
@inline function hwy_tanh(x::Float64)::Float64
    b = _bits(x)
    top = b & 0x7ff8000000000000
    isnan(x) && return _fl(0x7ff8000000000000)
    top > 0x7fe0000000000000 && return _fl((b & 0x8000000000000000) | 0x3ff0000000000000)
    hi = clamp(reinterpret(Int32, UInt32(top >> 32)) - Int32(0x3fc00000), Int32(0), Int32(0x780000))
    i = Int(hi >> 19) + 1
    T = _TANH_TABLE
    @inbounds begin
        y = abs(x) - T[1, i]
        r = fma(T[18, i], y, T[17, i])
        for c in 16:-1:2
            r = fma(r, y, T[c, i])
        end
    end
    return _fl(_bits(r) | (b & 0x8000000000000000))
end

# --------------------------------------------------------------------------
# power: SVML __svml_pow8_ha
# --------------------------------------------------------------------------
# log2|x| to about 70 bits: x = 2^e * m, m in [1/2, 1); d = vrcp14pd(m) rounded to
# 5 fraction bits (in [1, 2]); R = (d*m - 1)/2 (exact); log2|x| = e' + T(d) +
# (2/ln2)*R + R^2*P(R), the leading product carried in double-double.
# y*log2|x| is then formed with products and sums rounded toward zero, split
# into floor to 1/16 plus a remainder Z, and 2^(y*log2|x|) = 2^M * 2^(j/16) * 2^Z.
# Lanes with x <= 0, x or y Inf/NaN, or |y*log2 x| > 1021.5 take the scalar rare
# path (a separate algorithm with 3-stage reciprocal tables), as do subnormal
# and overflowing results.

const _POW_C = _fl.((0xc0627a394386376f, 0x4054873cf87141d1, 0xc04715473528efc1, 0x403a617607e55815,
                     0xc02ec709dc3b71a1, 0x4022776c50effbde, 0xc0171547652b82fc, 0x400ec709dc3a03fd,
                     0xbc8778d9c7190437, 0x3c8777df70b75d10))   # P coefficients, R^10 down to R^1 (low)
const _POW_C1H = _fl(0x40071547652b82fe)                         # 2/ln2
const _POW_E = _fl.((0x3f24a1d7f58c2d59, 0x3f55d7472783d279, 0x3f83b2ad1b14ebaa, 0x3fac6b08d4ad8eb9,
                     0x3fcebfbdff84554d, 0x3fe62e42fefa398b))     # 2^Z - 1, Z^6 down to Z^1
const _POW_SHIFT = _fl(0x42f8000000003ff0)                       # 1.5*2^48 + 1023
const _POW_LIMIT = 1021.5

"""
    svml_pow(x, y)

Intel SVML's `__svml_pow8_ha` on one lane, what numpy's `np.power` runs on
AVX-512 hosts for float64 arrays (unless the exponent is a scalar -1, 0, 0.5, 1
or 2, which numpy computes directly).
"""
function svml_pow(x::Float64, y::Float64)::Float64
    bx = _bits(x)
    # vfpclasspd: x NaN/+-0/+-Inf/negative, y NaN/+-Inf -> callout.
    (0x0000000000000000 < bx < _EXP_MASK && isfinite(y)) || return _svml_pow_rare(x, y)
    m, e = _getmant(x, true)
    k = _pow_rcp_k(_rcp14_fraction_prefix(m))   # d = k/32
    d = k * 0.03125
    r = fma(0.5 * m, d, -0.5)
    ef = Float64(e)
    k < 48 && (ef += 1.0)
    i = (k == 64 ? 0 : k - 32) + 1
    c10, c9, c8, c7, c6, c5, c4, c3, c2, c1 = _POW_C
    r2 = r * r
    p910 = fma(c10, r, c9)
    p78 = fma(c8, r, c7)
    p12 = fma(c2, r, c1)
    @inbounds eth = _POWT_HI[i] + ef
    p710 = fma(r2, p910, p78)
    p56 = fma(c6, r, c5)
    p34 = fma(c4, r, c3)
    r4 = r2 * r2
    p36 = fma(r2, p56, p34)
    p310 = fma(r4, p710, p36)
    p110 = fma(r2, p310, p12)
    @inbounds low = fma(r, p110, _POWT_LO[i])
    s = fma(_POW_C1H, r, eth)
    rh = s - eth
    a = fma(-r, rh, s)
    rl = fma(r, _POW_C1H, -rh)
    b = s - a
    rl = fma(-rl, r, rl)
    rrl = fma(rh, r, -b)
    v = low + (rl - rrl)
    high = a + v
    # y * log2|x| with products and sums rounded toward zero.
    yh = mul_round(high, y, _RZ)
    abs(yh) > 2048.0 && return _svml_pow_rare(x, y)   # far beyond the limit: callout
    tlh = high - a
    zl = fma_round(y, high, -yh, _RZ)
    tll = v - tlh
    zl = fma_round(y, tll, zl, _RZ)
    t = add_round(yh, zl, _RZ)
    abs(t) <= _POW_LIMIT || return _svml_pow_rare(x, y)
    # t = n/16 + red, n = floor(16 t); 2^t = 2^(n>>4) * 2^((n&15)/16) * 2^z.
    f = floor(t * 16.0)
    n = unsafe_trunc(Int, f)
    # vreducepd rounds its subtraction down too; inexact only for -1/16 < t < 0.
    red = -0.0625 < t < 0.0 ? add_round(t, 0.0625, _RD) : t - f * 0.0625
    z = red + (zl - (t - yh))
    z = _fl(_bits(z) & 0xbfffffffffffffff)
    e6, e5, e4, e3, e2, e1 = _POW_E
    z2 = z * z
    q56 = fma(e6, z, e5)
    q34 = fma(e4, z, e3)
    q12 = fma(e2, z, e1)
    q = fma(z2, q56, q34)
    q = fma(z2, q, q12)
    j = (n & 15) + 1
    @inbounds q = fma(q, z, _T16_LO[j])
    @inbounds th = _T16_HI[j]
    res = fma(th, q, th)
    return res * _pow2(n >> 4)
end

# Rare-path tables (SVML's __dpow_ha_CoutTab, as bit patterns). Stage s of the
# logarithm multiplies the mantissa by RCPs[i] (i from its leading bits) and adds
# -log2(RCPs[i]) as the pair LOGs[2i+1] + LOGs[2i+2]; stage 3 also folds in C ~ 1/ln2.
const _POWR_RCP1 = _fl.(UInt64[
    0x3ff0000000000000, 0x3fef07c000000000, 0x3fee1e0000000000, 0x3fed41c000000000,
    0x3fec71c000000000, 0x3febad0000000000, 0x3feaf28000000000, 0x3fea41c000000000,
    0x3fe9998000000000, 0x3fe8f9c000000000, 0x3fe8618000000000, 0x3fe7d04000000000,
    0x3fe745c000000000, 0x3fe6c18000000000, 0x3fe642c000000000, 0x3fe5c98000000000,
    0x3fe5554000000000, 0x3fe4e60000000000, 0x3fe47b0000000000, 0x3fe4140000000000,
    0x3fe3b14000000000, 0x3fe3520000000000, 0x3fe2f68000000000, 0x3fe29e4000000000,
    0x3fe2494000000000, 0x3fe1f70000000000, 0x3fe1a7c000000000, 0x3fe15b0000000000,
    0x3fe1110000000000, 0x3fe0c98000000000, 0x3fe0844000000000, 0x3fe0410000000000,
    0x3fe0000000000000,
])
const _POWR_LOG1 = _fl.(UInt64[
    0x0000000000000000, 0x0000000000000000, 0x3fa6bb01a01f0000, 0x3d3c995e7439db71,
    0x3fb665684ff80000, 0x3d3084f28da93fb0, 0x3fc08cd7820ec000, 0x3d3543c511b40207,
    0x3fc5c04864906000, 0x3d28c5d47e5f3668, 0x3fcacf30032be000, 0x3d2e3733debf9166,
    0x3fcfbc44e396e000, 0x3d47b3f928665438, 0x3fd243a590d2b000, 0x3d3c9b75e8e9d45d,
    0x3fd49ad4a118d000, 0x3d45cd377302cca6, 0x3fd6e22792ef1000, 0x3d314f240e7e9039,
    0x3fd91bd19e695000, 0x3d4dbb3ee4f6c667, 0x3fdb4865273ed000, 0x3d4ab54a099e1f61,
    0x3fdd679920231000, 0x3d18ed5096e87504, 0x3fdf7a349e747000, 0x3d4a6e7081d99120,
    0x3fe0c11650cf0000, 0x3d461752eb1152a5, 0x3fe1bf426e8e9800, 0x3d376aff6c055f56,
    0xbfda8f9d1c354000, 0xbd4604f54f4f9854, 0xbfd8a9228a043000, 0xbd49bc20cf8dd884,
    0xbfd6cb99e7aa4000, 0xbd412b5ad5a7002b, 0xbfd4f69f5d830000, 0xbd38f36dd24bae46,
    0xbfd32c15f8b57000, 0xbd0d6ee2e01d9232, 0xbfd16935d34fb000, 0xbd2151c6348d84a5,
    0xbfcf5faa7e71a000, 0xbd3d157620c552c2, 0xbfcbfc5c1d5be000, 0xbd2784900e42b538,
    0xbfc8a9ad0948a000, 0xbd4c89ba64f25a56, 0xbfc563adff6b0000, 0xbd4d0837079422c3,
    0xbfc22df302746000, 0xbd3048e3c2505d3d, 0xbfbe089492ee4000, 0xbd405589fcd57f87,
    0xbfb7d49341a08000, 0xbd4eeef8bcf7aa55, 0xbfb1bc75cf5a4000, 0xbd4d7db2139e8397,
    0xbfa778fdc1828000, 0xbd34378af2af5333, 0xbf97427d317a0000, 0xbd4700f14b03b094,
    0x0000000000000000, 0x0000000000000000,
])
const _POWR_RCP2 = _fl.(UInt64[
    0x3ff0000000000000, 0x3feff00000000000, 0x3fefe00000000000, 0x3fefd04000000000,
    0x3fefc08000000000, 0x3fefb0c000000000, 0x3fefa10000000000, 0x3fef918000000000,
    0x3fef820000000000, 0x3fef728000000000, 0x3fef630000000000, 0x3fef53c000000000,
    0x3fef448000000000, 0x3fef354000000000, 0x3fef260000000000, 0x3ff0454000000000,
    0x3ff0410000000000, 0x3ff03d0000000000, 0x3ff038c000000000, 0x3ff034c000000000,
    0x3ff0308000000000, 0x3ff02c8000000000, 0x3ff0288000000000, 0x3ff0244000000000,
    0x3ff0204000000000, 0x3ff01c4000000000, 0x3ff0184000000000, 0x3ff0140000000000,
    0x3ff0100000000000, 0x3ff00c0000000000, 0x3ff0080000000000, 0x3ff0040000000000,
    0x3ff0000000000000,
])
const _POWR_LOG2 = _fl.(UInt64[
    0x0000000000000000, 0x0000000000000000, 0x3f671b0ea4280000, 0x3d497f689876ef47,
    0x3f7720d9c0680000, 0x3d441af53778c7cc, 0x3f8145c68a7a0000, 0x3d44bdd19ac06488,
    0x3f86fdf461d20000, 0x3d3c9efc46d9f6f7, 0x3f8cb8f9355c0000, 0x3d3275c9adfbb459,
    0x3f913b6bec350000, 0x3d0f25b44fc32adb, 0x3f9410167b760000, 0x3d3f880ca8ed5317,
    0x3f96e625317a0000, 0x3d453f0e645614db, 0x3f99bd996d010000, 0x3d2cd686341a2dab,
    0x3f9c96748ed00000, 0x3d4ef88d66d10b04, 0x3f9f64edd4200000, 0x3d4511c3828828da,
    0x3fa11a6297920000, 0x3d4d925cd7d436d6, 0x3fa282fdfad70000, 0x3d49eee0a58b8d6e,
    0x3fa3ec49bfc20000, 0x3d4deac32e0e0086, 0xbf98c49331230000, 0xbd49ad075efcabfa,
    0xbf97427d317a0000, 0xbd4700f14b03b094, 0xbf95d6c0ee910000, 0xbd4a5115535202a3,
    0xbf9453e6adb60000, 0xbd415a44e102f731, 0xbf92e77157080000, 0xbd4c7ed85ee9ad86,
    0xbf9163d20d100000, 0xbd46e8b9664fe33f, 0xbf8fed45cbcc0000, 0xbd37f33943464056,
    0xbf8d1232c5ea0000, 0xbd17cf34b0bdc8df, 0xbf8a08a828680000, 0xbd35a529f02b9ccf,
    0xbf872c1f4cf00000, 0xbd2b4934580fe573, 0xbf844ee0a6f20000, 0xbd24c8cbff314317,
    0xbf8170ebdc1c0000, 0xbd447db02cc5232f, 0xbf7cc89f97d40000, 0xbd43ac9c90330e7b,
    0xbf7709c46d780000, 0xbd4563ba56cde925, 0xbf71497accf40000, 0xbd4f08e7ddd3e770,
    0xbf670f83ff080000, 0xbd33ab2631d4676d, 0xbf57126537400000, 0xbd2fa2a0fd4fca1d,
    0x0000000000000000, 0x0000000000000000,
])
const _POWR_RCP3 = _fl.(UInt64[
    0x3ff7154740000000, 0x3ff7151900000000, 0x3ff714eb00000000, 0x3ff714bcc0000000,
    0x3ff7148e80000000, 0x3ff7146080000000, 0x3ff7143240000000, 0x3ff7140440000000,
    0x3ff713d600000000, 0x3ff713a7c0000000, 0x3ff71379c0000000, 0x3ff7134b80000000,
    0x3ff7131d80000000, 0x3ff712ef40000000, 0x3ff712c140000000, 0x3ff7129300000000,
    0x3ff7126500000000, 0x3ff71236c0000000, 0x3ff71208c0000000, 0x3ff711da80000000,
    0x3ff711ac80000000, 0x3ff7117e80000000, 0x3ff7115040000000, 0x3ff7112240000000,
    0x3ff710f400000000, 0x3ff710c600000000, 0x3ff7109800000000, 0x3ff71069c0000000,
    0x3ff7103bc0000000, 0x3ff7100d80000000, 0x3ff70fdf80000000, 0x3ff70fb180000000,
    0x3ff70f8340000000, 0x3ff70f5540000000, 0x3ff70f2740000000, 0x3ff70ef940000000,
    0x3ff70ecb00000000, 0x3ff70e9d00000000, 0x3ff70e6f00000000, 0x3ff70e4100000000,
    0x3ff70e12c0000000, 0x3ff70de4c0000000, 0x3ff70db6c0000000, 0x3ff70d88c0000000,
    0x3ff70d5ac0000000, 0x3ff70d2c80000000, 0x3ff70cfe80000000, 0x3ff70cd080000000,
    0x3ff70ca280000000, 0x3ff70c7480000000, 0x3ff70c4680000000, 0x3ff70c1880000000,
    0x3ff70bea80000000, 0x3ff70bbc80000000, 0x3ff70b8e40000000, 0x3ff70b6040000000,
    0x3ff70b3240000000, 0x3ff70b0440000000, 0x3ff70ad640000000, 0x3ff70aa840000000,
    0x3ff70a7a40000000, 0x3ff71b5380000000, 0x3ff71b3c40000000, 0x3ff71b2540000000,
    0x3ff71b0e00000000, 0x3ff71af700000000, 0x3ff71adfc0000000, 0x3ff71ac8c0000000,
    0x3ff71ab180000000, 0x3ff71a9a80000000, 0x3ff71a8340000000, 0x3ff71a6c40000000,
    0x3ff71a5500000000, 0x3ff71a3e00000000, 0x3ff71a26c0000000, 0x3ff71a0fc0000000,
    0x3ff719f880000000, 0x3ff719e180000000, 0x3ff719ca40000000, 0x3ff719b340000000,
    0x3ff7199c00000000, 0x3ff7198500000000, 0x3ff7196dc0000000, 0x3ff71956c0000000,
    0x3ff7193f80000000, 0x3ff7192880000000, 0x3ff7191140000000, 0x3ff718fa40000000,
    0x3ff718e340000000, 0x3ff718cc00000000, 0x3ff718b500000000, 0x3ff7189dc0000000,
    0x3ff71886c0000000, 0x3ff7186f80000000, 0x3ff7185880000000, 0x3ff7184180000000,
    0x3ff7182a40000000, 0x3ff7181340000000, 0x3ff717fc00000000, 0x3ff717e500000000,
    0x3ff717cdc0000000, 0x3ff717b6c0000000, 0x3ff7179fc0000000, 0x3ff7178880000000,
    0x3ff7177180000000, 0x3ff7175a40000000, 0x3ff7174340000000, 0x3ff7172c40000000,
    0x3ff7171500000000, 0x3ff716fe00000000, 0x3ff716e6c0000000, 0x3ff716cfc0000000,
    0x3ff716b8c0000000, 0x3ff716a180000000, 0x3ff7168a80000000, 0x3ff7167380000000,
    0x3ff7165c40000000, 0x3ff7164540000000, 0x3ff7162e00000000, 0x3ff7161700000000,
    0x3ff7160000000000, 0x3ff715e8c0000000, 0x3ff715d1c0000000, 0x3ff715bac0000000,
    0x3ff715a380000000, 0x3ff7158c80000000, 0x3ff7157580000000, 0x3ff7155e40000000,
    0x3ff7154740000000,
])
const _POWR_LOG3 = _fl.(UInt64[
    0x0000000000000000, 0x0000000000000000, 0x3f07201750000000, 0x3d099925641f4f36,
    0x3f17102e3b000000, 0x3d120082c162d124, 0x3f2150340c800000, 0x3d441ee709125ff4,
    0x3f27185c92000000, 0x3ceecd1c8babf46f, 0x3f2cd8905d000000, 0x3d3bee60f0bbf0cf,
    0x3f315067ff400000, 0x3d3fdbdf8a9648dd, 0x3f34308d63400000, 0x3d3681cbaee1b670,
    0x3f3714b8c2800000, 0x3d4102e6bf3d153e, 0x3f39f8e9ed400000, 0x3d365ef233794abc,
    0x3f3cd92093400000, 0x3d4fdf0b3d384508, 0x3f3fbd5d4d400000, 0x3d19a166782c348a,
    0x3f414ecfb9400000, 0x3d48aba039dde07f, 0x3f42c0f3dde00000, 0x3d435f8a9d5fd823,
    0x3f44311ab0600000, 0x3d47963a12458bec, 0x3f45a3449ce00000, 0x3d47e1512c8c13fd,
    0x3f4713712f600000, 0x3d48d0becb0bd4fa, 0x3f4885a0e4000000, 0x3d39db21dce1a474,
    0x3f49f5d336a00000, 0x3d48916655660916, 0x3f4b6808b3800000, 0x3d3d7958c862a7d0,
    0x3f4cd840c6800000, 0x3d4312bad43b70f4, 0x3f4e487bb7c00000, 0x3d46363f975e2c41,
    0x3f4fbab9df600000, 0x3d224e63850fc6c3, 0x3f50957d48a00000, 0x3d25689617a21aa6,
    0x3f514e9f40c00000, 0x3d32ae5fa4582824, 0x3f5206c27a100000, 0x3d45c3f884b0fd57,
    0x3f52bee722a00000, 0x3d4a525c4aad1649, 0x3f53780d70800000, 0x3d1deb18275071de,
    0x3f543034f9900000, 0x3d48eae4d5d75fb6, 0x3f54e95e2c000000, 0x3d3728c5c1291b85,
    0x3f55a18895b00000, 0x3d4f699aabecf0d7, 0x3f5659b46ed00000, 0x3d22ed258f2d1fa9,
    0x3f5712e1f7400000, 0x3d3445ef8b30e580, 0x3f57cb10b1100000, 0x3d431d52dc75fac6,
    0x3f588340da500000, 0x3d3ffbcba135bd69, 0x3f593b7273000000, 0x3d3871002d63e5db,
    0x3f59f4a5c3200000, 0x3d45afdd1c0bb062, 0x3f5aacda3cc00000, 0x3d41914fdcd040ae,
    0x3f5b651025e00000, 0x3d3e7387db245b1f, 0x3f5c1d477e800000, 0x3d4a1e1b593d6b3f,
    0x3f5cd68096c00000, 0x3cea7d5ccc31fc26, 0x3f5d8ebad0800000, 0x3d2befbc762a3069,
    0x3f5e46f679d00000, 0x3d4d39ff952be02c, 0x3f5eff3392d00000, 0x3d3d34373b1a1cb4,
    0x3f5fb7721b700000, 0x3d2a49f257218470, 0x3f60385936d80000, 0x3d43adb6602ba3b5,
    0x3f609479ebd00000, 0x3d4a60560591ee13, 0x3f60f09b58a80000, 0x3d343eec4faff44b,
    0x3f614cbd7d580000, 0x3d3cc4c6130df139, 0x3f61a8e059e80000, 0x3d42a0ad9380107f,
    0x3f620503ee600000, 0x3d12915ab9035a2a, 0x3f6261283ab80000, 0x3d31dded20caaca3,
    0x3f62bd4d3ef80000, 0x3d41ef6e281079c7, 0x3f631972fb280000, 0x3d31986b6b98497f,
    0x3f637619a5400000, 0x3d4c369791f2b430, 0x3f63d240d2500000, 0x3d40eca7ce1c0762,
    0x3f642e68b7500000, 0x3d45fa86073b1e2e, 0x3f648a9154480000, 0x3d46d9e905a622fd,
    0x3f64e6baa9380000, 0x3d4f04cc4b55a072, 0x3f6542e4b6280000, 0x3d49f57016094e0e,
    0x3f659f0f7b180000, 0x3d432659616cf239, 0xbf582dd569800000, 0xbd3ab5413ed708f7,
    0xbf57d0ed91900000, 0xbd4135c67b358e46, 0xbf5775051b300000, 0xbcfef3c0f6ed6fde,
    0xbf57181c89400000, 0xbd46a4555af7807f, 0xbf56bc335ae00000, 0xbd452637919c892d,
    0xbf565f4a0f000000, 0xbd46d380806e8ed0, 0xbf56036028a00000, 0xbd4e545efedc7d6b,
    0xbf55a67622d00000, 0xbd28c45afdab27bc, 0xbf554a8b84700000, 0xbd40efc094f1d540,
    0xbf54eda0c4900000, 0xbd492aa16e5d7e55, 0xbf5491b56e400000, 0xbd065c31ae3a4995,
    0xbf5434c9f4600000, 0xbd20b59190b30c51, 0xbf53d8dde6000000, 0xbd208e1f5c64292c,
    0xbf537bf1b2100000, 0xbd4ba65df606f2e6, 0xbf532004ebb00000, 0xbd3b2bd51a593ca0,
    0xbf52c317fdc00000, 0xbd440246f5360f7d, 0xbf52672a7f500000, 0xbd4229817bbfca47,
    0xbf520a3cd7600000, 0xbd0ad92acf30f123, 0xbf51ae4ea0e00000, 0xbd292a75693830ad,
    0xbf5151603ed00000, 0xbd49146ee0391426, 0xbf50f57150400000, 0xbd4e654957002344,
    0xbf50988234300000, 0xbd3d45878f311f09, 0xbf503c928d900000, 0xbd3dca9628fe4ea6,
    0xbf4fbf456ec00000, 0xbd46c4340f0a4c7f, 0xbf4f0764b1600000, 0xbd386c454f8f13f5,
    0xbf4e4d8390e00000, 0xbd2790734f099d6a, 0xbf4d95a163400000, 0xbd3586152bf804ac,
    0xbf4cddbe7e800000, 0xbd43f2dceda75e42, 0xbf4c23db30a00000, 0xbd4ef6f7d23862d0,
    0xbf4b6bf6dbc00000, 0xbd3de7d12300f78c, 0xbf4ab21219a00000, 0xbd4d3c99bb645928,
    0xbf49fa2c54800000, 0xbd3c87d4adf18185, 0xbf4940461e200000, 0xbd49fe5a1a0618b0,
    0xbf48885ee8c00000, 0xbd2934a5aaeef6a6, 0xbf47d076fc200000, 0xbd39cfc0ecbb5462,
    0xbf47168e98600000, 0xbd36f34ebfa1c16b, 0xbf465ea53b800000, 0xbd22ed1c9088ca01,
    0xbf45a4bb63600000, 0xbd4233202d6de9b5, 0xbf44ecd096200000, 0xbd48587110d84808,
    0xbf4432e549c00000, 0xbd3dc6145992900a, 0xbf437af90c200000, 0xbd4c28b1f611f4f2,
    0xbf42c30c17600000, 0xbd49b47212496da4, 0xbf42091e9d800000, 0xbd22545fb07b63e5,
    0xbf41513038600000, 0xbcf3fc746b4daa19, 0xbf4097414a000000, 0xbd2819ad9f7943ac,
    0xbf3fbea2e8c00000, 0xbd4acc9205018f01, 0xbf3e4ec1cf400000, 0xbd48b0285decad9c,
    0xbf3cdadf97400000, 0xbd4ca2dd63115207, 0xbf3b6afb9d000000, 0xbd354003a7fc9363,
    0xbf39f7167c000000, 0xbd4a8ae0407a7831, 0xbf38872fa0c00000, 0xbd42dd8b91a8939d,
    0xbf37174757000000, 0xbd3a49252f243d55, 0xbf35a35ddac00000, 0xbd2741df22a2581b,
    0xbf343372b0000000, 0xbd0cab753c22e0d2, 0xbf32c38616800000, 0xbd4b6e115fc1d4dd,
    0xbf314f983ec00000, 0xbd3f929a97121e28, 0xbf2fbf5189000000, 0xbd13ea1e806fdbda,
    0xbf2cd77007000000, 0xbd370eb151e95ecb, 0xbf29f78b50000000, 0xbd418759ff247507,
    0xbf2717a3bc000000, 0xbd3c0d6bc6c6f140, 0xbf242fb982800000, 0xbd4cf2efb8d3c162,
    0xbf214fcc2c800000, 0xbd206ce312cfe97e, 0xbf1cdfb7f1000000, 0xbd4d77341056af68,
    0xbf170fd210000000, 0xbd24caa429329aef, 0xbf114fe624000000, 0xbcf284c306b71311,
    0xbf071fe8fa000000, 0xbd33bb0cdd98569a, 0xbef6fff4ac000000, 0xbd4d54d70b7407c7,
    0x0000000000000000, 0x0000000000000000,
])
"""2^(j/128): hi = RN, lo = the rest rounded toward zero (as SVML's table has it)."""
const _T128_HI, _T128_LO = setprecision(BigFloat, 256) do
    v = [big(2)^(big(j) / 128) for j in 0:127]
    hi = Float64.(v)
    return hi, [Float64(v[k] - big(hi[k]), RoundToZero) for k in 1:128]
end
const _POWR_LOGPOLY = _fl.((0x3e79c3a6966457e8, 0xbfd62e4346694107, 0x3fc47fd462b6dee1, 0xbfb550472a9012d8))
const _POWR_EXPPOLY = _fl.((0x3fe62e42fefa39ef, 0x3fcebfbdff82c58f, 0x3fac6b08d704a0c0, 0x3f83b2ab6fba4e77,
                           0x3f55d87fe78a6731))
const _POWR_C = _fl(0x3ff7154740000000)        # 1/ln2 to 24 bits
const _POWR_SPLIT = _fl(0x41a0000002000000)    # 2^27 + 1 (Dekker split)
const _POWR_SHIFT = _fl(0x42c8000000000000)    # 1.5*2^45: rounds to 1/128
const _POWR_TINY = _fl(0x0010000000000000)     # 2^-1022
const _POWR_HUGE = _fl(0x7fe0000000000000)     # 2^1023

"""
    _pow_integer_class(y) -> 0, 1 or 2

How the rare path classifies y: 2 for an even integer (also 0 and |y| >= 2^53),
1 for an odd integer, 0 otherwise (also |y| < 1, Inf and NaN).
"""
function _pow_integer_class(y::Float64)::Int
    b = _bits(y)
    hiword = UInt32((b >> 32) & 0x7fffffff)
    loword = UInt32(b & 0xffffffff)
    hiword | loword == 0 && return 2
    field = Int(hiword >> 20)
    (field < 1023 || field == 2047) && return 0
    ue = field - 1023
    if ue <= 20
        ((hiword << ue) << 12) | loword != 0 && return 0
        return Int(~(hiword << (ue + 11)) >> 31) + 1
    end
    ue >= 53 && return 2
    w = loword << (ue - 21)
    w & 0x7fffffff != 0 && return 0
    return Int(~w >> 31) + 1
end

"""SVML's scalar pow callout (__svml_dpow_ha_cout_rare_internal), line for line."""
@noinline function _svml_pow_rare(x::Float64, y::Float64)::Float64
    xq = isnan(x) ? _quiet(x) : x                  # x*1.0, y*1.0
    yq = isnan(y) ? _quiet(y) : y
    bx, by = _bits(xq), _bits(yq)
    xfield, yfield = Int((bx >> 52) & 0x7ff), Int((by >> 52) & 0x7ff)
    xneg, yneg = bx >> 63 == 1, by >> 63 == 1
    xfrac0 = bx & 0x000fffffffffffff == 0
    yfrac0 = by & 0x000fffffffffffff == 0
    yfinite = yfield != 0x7ff
    yclass = _pow_integer_class(yq)
    # x == 1, or y == +-0 (also with x NaN): 1.
    xplus_one_range = !xneg && xfield == 1023
    y_zero = yfield == 0 && yfrac0
    if xplus_one_range
        (xfrac0 || y_zero) && return 1.0
        xfinite = true
    else
        y_zero && return 1.0
        xfinite = xfield != 0x7ff
    end
    (xfrac0 || xfinite) || return xq              # x NaN: x + y gives x's NaN
    (yfrac0 || yfinite) || return yq              # y NaN
    sgn = (yclass & Int(xneg)) == 1 ? -1.0 : 1.0   # odd integer y, negative x
    if xq == 0.0
        return yneg ? sgn / 0.0 : sgn * 0.0
    end
    if xq == -1.0 && (yclass != 0 || !yfinite)
        return (yclass & 1) == 1 ? -1.0 : 1.0
    end
    if !xfinite || !yfinite
        if xfield < 1023                           # |x| < 1, y = +-Inf
            return yneg ? yq * yq : 0.0
        end
        yneg && return 0.0 * sgn
        return (xq * xq * yq) * sgn
    end
    xq < 0.0 && yclass == 0 && return _X86_NAN    # negative x, non-integer y: 0/0
    return _pow_rare_core(abs(xq), yq, yfield, yneg, sgn)
end

"""The rare path's own |x|^y for finite x != 0 and finite y, times sgn."""
function _pow_rare_core(ax::Float64, y::Float64, yfield::Int, yneg::Bool, sgn::Float64)::Float64
    # log2(ax) = k + log2(m) with three reciprocal stages: H + Hl ~ k - log2(r1 r2 r3 / C) + (m r1 r2 r3 - C)
    offset = 0
    if ax < floatmin(Float64)
        ax *= _fl(0x4c70000000000000)              # 2^200
        offset = -200
    end
    hiw = reinterpret(Int32, UInt32(_bits(ax) >> 32))
    k = Int((hiw - Int32(0x3fe7c000)) >> 20) + offset   # exponent, +1 for mantissa >= 1 + 31/64
    m = _fl((_bits(ax) & 0x800fffffffffffff) | 0x3ff0000000000000)
    i1 = Int(((UInt32(_bits(m) >> 32) & 0x000fc000) + 0x00004000) >> 15)
    @inbounds r1 = _POWR_RCP1[i1 + 1]
    x2 = r1 * m
    cm = _POWR_SPLIT * m
    @inbounds lhi = Float64(k) + _POWR_LOG1[2i1 + 1]
    i2 = Int(((UInt32(_bits(x2) >> 32) & 0x0000fc00) + 0x00000400) >> 11)
    t1 = cm - m
    @inbounds r2 = _POWR_RCP2[i2 + 1]
    x3 = x2 * r2
    @inbounds lhi += _POWR_LOG2[2i2 + 1]
    rr = r1 * r2
    mh = cm - t1
    i3 = Int(((UInt32(_bits(x3) >> 32) & 0x00000ff0) + 0x00000010) >> 5)
    @inbounds r3 = _POWR_RCP3[i3 + 1]
    rrr = rr * r3
    ml = m - mh
    @inbounds lhi += _POWR_LOG3[2i3 + 1]
    x4 = x3 * r3
    cq = x4 - _POWR_C
    cr = _POWR_SPLIT * rrr
    rh = cr - (cr - rrr)
    rl = rrr - rh
    cql = (((mh * rh - x4) + ml * rh) + mh * rl) + ml * rl
    h = lhi + cq
    hl = (lhi - h) + cq
    scale_field = Int((_bits(h) >> 52) & 0x7ff) + yfield
    if scale_field >= 2057                         # |y log2 x| >= 2^11: overflow or underflow
        edge = (yneg ⊻ signbit(h)) ? _POWR_TINY : _POWR_HUGE
        return edge * edge * sgn
    end
    scale_field <= 1984 && return (1.0 + _POWR_TINY) * sgn   # |y log2 x| < 2^-61
    @inbounds lsum = _POWR_LOG1[2i1 + 2] + (_POWR_LOG2[2i2 + 2] + _POWR_LOG3[2i3 + 2])
    cq2 = cq + cql
    lsum += cql + hl
    a1, a2, a3, a4 = _POWR_LOGPOLY
    pq = (((a4 * cq2 + a3) * cq2 + a2) * cq2 + a1) * cq2
    hp = h + pq
    hpl = (h - hp) + pq
    g = lsum + hp
    gl = ((hp - g) + lsum) + hpl
    cg = _POWR_SPLIT * g
    gh = cg - (cg - g)
    gl2 = g - gh
    gly = gl * y
    cy = _POWR_SPLIT * y
    yh = cy - (cy - y)
    yl = y - yh
    yhgh = yh * gh
    sh = _POWR_SHIFT + yhgh
    plow = ((yh * gl2 + gl2 * yl) + gh * yl) + gly
    nk = sh - _POWR_SHIFT
    z = (yhgh - nk) + plow
    n = Int(reinterpret(Int32, UInt32(_bits(sh) & 0xffffffff)))
    j = (n & 127) + 1
    big_m = n >> 7
    b1, b2, b3, b4, b5 = _POWR_EXPPOLY
    @inbounds thi = _T128_HI[j]
    @inbounds p = ((((b5 * z + b4) * z + b3) * z + b2) * z + b1) * z * thi + _T128_LO[j]
    res = p + thi
    e = big_m + Int((_bits(res) >> 52) & 0x7ff) - 1023
    e >= 1024 && return _POWR_HUGE * _POWR_HUGE * sgn
    if e >= -1022
        return _fl((_bits(res) & 0x800fffffffffffff) | (UInt64((e + 1023) & 2047) << 52)) * sgn
    end
    e < -1084 && return _POWR_TINY * _POWR_TINY * sgn
    scale = _fl(UInt64((big_m + 1223) & 2047) << 52)    # 2^(M+200)
    down = sgn * _fl(0x3370000000000000)                  # sgn * 2^-200
    if e >= -1032
        # Split res into a 26-bit head and the rest before the final, rounding product.
        rlo = p + (thi - res)
        cres = _POWR_SPLIT * res
        rhead = cres - (cres - res)
        body = ((res - rhead) + rlo) * scale + rhead * scale
        return down * body + _POWR_TINY * _POWR_TINY
    end
    return down * (res * scale) - _POWR_TINY * _POWR_TINY
end

# --------------------------------------------------------------------------
# The ufuncs
# --------------------------------------------------------------------------

"""
    np_exp(x)

numpy's `np.exp` of a float64 array element: SVML's exp on AVX-512 Linux hosts,
the C library's `exp` elsewhere (see `numpy_math_mode`).
"""
@inline np_exp(x::Float64) = (_mode() & _MODE_SVML) != 0 ? svml_exp(x) : libm_exp(x)

"""
    np_log(x)

numpy's `np.log` of a float64 array element: SVML's log on AVX-512 Linux hosts,
the C library's `log` elsewhere.
"""
@inline np_log(x::Float64) = (_mode() & _MODE_SVML) != 0 ? svml_log(x) : libm_log(x)

"""
    np_tanh(x)

numpy's `np.tanh` of a float64 array element: numpy's Highway kernel where the
CPU has FMA (x86_64 AVX2+FMA3, aarch64), the C library's `tanh` elsewhere.
"""
@inline np_tanh(x::Float64) = (_mode() & _MODE_SIMD_TANH) != 0 ? hwy_tanh(x) : libm_tanh(x)

"""
    np_power(x, y)

numpy's `np.power` on float64 arrays (elementwise x^y, e.g. in `np.logspace`):
SVML's pow on AVX-512 Linux hosts, the C library's `pow` elsewhere. (numpy takes
shortcuts when the exponent is one scalar -1, 0, 0.5, 1 or 2; this is the general loop.)
"""
np_power(x::Float64, y::Float64) = (_mode() & _MODE_SVML) != 0 ? svml_pow(x, y) : libm_pow(x, y)

# --------------------------------------------------------------------------
# float16 casts
# --------------------------------------------------------------------------

"""
    np_float16(x::Float64) -> Float16

numpy's `astype(np.float16)` of a double: `x` rounded once to the nearest Float16, ties
to even (numpy's npy_double_to_half), overflowing to ±Inf from ±65520 on.

Notes: Julia 1.5's `Float16(::Float64)` rounds through Float32 — twice — and differs
from numpy for doubles just above a Float16 tie, e.g. 1 + 2^-11 + 2^-40 (numpy: 1.001,
Julia 1.5: 1.0). Here the Float32 route only picks a neighbour; the exact midpoint of
the two Float16 values around `x` (a sum of two 11-bit significands, exact in Float64)
decides. `Float16(::Float32)` is a single correct rounding and needs no help.
"""
function np_float16(x::Float64)::Float16
    f = Float16(Float32(x))
    d = Float64(f)
    (isnan(x) || d == x) && return f
    lo, hi = d < x ? (f, nextfloat(f)) : (prevfloat(f), f)
    mid = isinf(hi) ? 65520.0 : isinf(lo) ? -65520.0 : (Float64(lo) + Float64(hi)) / 2
    x < mid && return lo
    x > mid && return hi
    return iseven(reinterpret(UInt16, lo)) ? lo : hi
end

export np_exp, np_log, np_tanh, np_power, np_float16, numpy_math_mode, set_numpy_math!
