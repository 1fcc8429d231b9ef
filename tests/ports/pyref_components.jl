# PyRef's own components registered as a port: every check must come out exact
# (tests/test_verify.py), which proves the harness hands over what the book receives.
using PyRef.Verify
import PyRef
const P = PyRef
fw(l, x...) = P.forward(l, x...)
bw(l, d) = P.backward(l, d)
verify_layer("Affine"; make=a -> P.Affine(a.W, a.b), forward=fw, backward=bw)
verify_layer("Relu"; make=a -> P.Relu(), forward=fw, backward=bw)
verify_layer("Sigmoid"; make=a -> P.Sigmoid(), forward=fw, backward=bw)
verify_layer("SoftmaxWithLoss"; make=a -> P.SoftmaxWithLoss(), forward=fw, backward=bw)
verify_layer("BatchNormalization"; make=a -> P.BatchNormalization(a.gamma, a.beta; momentum=a.momentum), forward=fw, backward=bw)
verify_layer("Dropout"; make=a -> P.Dropout(a.dropout_ratio, a.rng), forward=fw, backward=bw)
verify_layer("Convolution"; make=a -> P.Convolution(a.W, a.b, a.stride, a.pad), forward=fw, backward=bw)
verify_layer("Pooling"; make=a -> P.Pooling(a.pool_h, a.pool_w, a.stride, a.pad), forward=fw, backward=bw)
for f in ("softmax", "cross_entropy_error", "sigmoid", "relu", "im2col", "col2im", "numerical_gradient")
    verify_function(f, getfield(P, Symbol(f)))
end
function make_net(a)
    net = P.MultiLayerNet(a.input_size, a.hidden_size_list, a.output_size; activation=a.activation,
                          weight_init_std=a.weight_init_std, weight_decay_lambda=a.weight_decay_lambda)
    for (k, v) in a.params
        net.params[k] .= v
    end
    return net
end
verify_net("MultiLayerNet"; make=make_net, loss=P.loss, gradient=P.gradient)
mutable struct T; net; opt; end
verify_training("training"; make=a -> T(make_net(a), P.make_optimizer(a.optimizer; a.hyper...)),
    step=(s, x, t) -> (g = P.gradient(s.net, x, t); P.update!(s.opt, s.net.params, g); P.loss(s.net, x, t)),
    params=s -> s.net.params, optimizer="Adam", hyper=(lr=0.01,))
function make_extend(a)
    # The constructor draws initial weights from rng; the check's parameters replace
    # them, and dropout must start where the stream was handed over.
    saved = P.NumpyRandom.get_state(a.rng)
    net = P.MultiLayerNetExtend(a.input_size, a.hidden_size_list, a.output_size; activation=a.activation,
                                weight_init_std=a.weight_init_std, weight_decay_lambda=a.weight_decay_lambda,
                                use_dropout=a.use_dropout, dropout_ration=a.dropout_ration,
                                use_batchnorm=a.use_batchnorm, rng=a.rng)
    P.NumpyRandom.set_state!(a.rng, saved...)
    for (k, v) in a.params
        net.params[k] .= v
    end
    return net
end
verify_net("MultiLayerNetExtend"; make=make_extend, loss=P.loss, gradient=P.gradient,
           net=(use_dropout=true, use_batchnorm=true))
verify_training("training-extend"; make=a -> T(make_extend(a), P.make_optimizer(a.optimizer; a.hyper...)),
    step=(s, x, t) -> (g = P.gradient(s.net, x, t); P.update!(s.opt, s.net.params, g); P.loss(s.net, x, t)),
    params=s -> s.net.params, optimizer="Momentum", net=(use_dropout=true, use_batchnorm=true))
for name in ("SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam")
    verify_optimizer(name; make=h -> P.make_optimizer(name; h...), step=P.update!)
end
