# The book's ch04 script as a function returning its data (twin of
# pyref/experiments/chapter4.py): same names and defaults; results are Dicts with
# Python's keys. ch04's train_neuralnet.py is chapter5.jl's train_two_layer_net.

const DESCENT_INIT_X = (-3.0, 4.0)
const DESCENT_LR = 0.1
const DESCENT_STEPS = 20

"""gradient_method.py's f(x) = x[0]**2 + x[1]**2."""
function_2(x::AbstractVector) = x[1]^2 + x[2]^2

"""gradient_method.py: the points gradient descent visits on x0² + x1²."""
function gradient_descent_path(; init_x=DESCENT_INIT_X, lr::Real=DESCENT_LR, step_num::Integer=DESCENT_STEPS)
    start = Float64[check_real("init_x", v) for v in init_x]
    length(start) == 2 || throw(ArgumentError("init_x must be two numbers (x0, x1), got $(length(start))"))
    x, x_history = gradient_descent(function_2, copy(start), lr, step_num)
    return Dict{String,Any}("init_x" => start, "lr" => Float64(lr), "step_num" => Int(step_num),
                            "x_history" => reshape(x_history, :, 2), "x" => x)
end

export gradient_descent_path
