//! Evaluating HCL expressions without hcl-rs's arithmetic panics. Its number
//! type asserts that results are finite and, in integer arithmetic, overflows
//! or divides by zero with a panic (`1/0`, `2 % 0`, `1e308 * 10`,
//! `18446744073709551615 + 1`). [`evaluate`] checks every arithmetic
//! operation the evaluator would perform first and turns those into errors.

use hcl::eval::{Context, Evaluate};
use hcl::expr::{BinaryOperator, Expression, ObjectKey, Operation, TraversalOperator};
use hcl::template::{Directive, Element, Template};
use hcl::{Number, Value};

/// `expr` evaluated in `ctx`, or why not.
pub(crate) fn evaluate(expr: &Expression, ctx: &Context) -> Result<Value, String> {
    guard(expr, ctx)?;
    expr.evaluate(ctx).map_err(|e| e.to_string())
}

/// Checks the arithmetic `expr` evaluates. Sub-expressions that do not
/// evaluate are left for the evaluator to report.
fn guard(expr: &Expression, ctx: &Context) -> Result<(), String> {
    match expr {
        Expression::Array(items) => items.iter().try_for_each(|e| guard(e, ctx)),
        Expression::Object(object) => object.iter().try_for_each(|(key, value)| {
            if let ObjectKey::Expression(key) = key {
                guard(key, ctx)?;
            }
            guard(value, ctx)
        }),
        Expression::Parenthesis(inner) => guard(inner, ctx),
        Expression::FuncCall(call) => call.args.iter().try_for_each(|e| guard(e, ctx)),
        Expression::Traversal(traversal) => {
            guard(&traversal.expr, ctx)?;
            traversal.operators.iter().try_for_each(|op| match op {
                TraversalOperator::Index(index) => guard(index, ctx),
                _ => Ok(()),
            })
        }
        // Only the branch taken is evaluated: `x == 0 ? 0 : 1 / x` is fine.
        Expression::Conditional(cond) => {
            guard(&cond.cond_expr, ctx)?;
            match cond.cond_expr.evaluate(ctx) {
                Ok(Value::Bool(true)) => guard(&cond.true_expr, ctx),
                Ok(Value::Bool(false)) => guard(&cond.false_expr, ctx),
                _ => Ok(()),
            }
        }
        Expression::Operation(op) => match op.as_ref() {
            Operation::Unary(unary) => guard(&unary.expr, ctx),
            Operation::Binary(binary) => {
                guard(&binary.lhs_expr, ctx)?;
                guard(&binary.rhs_expr, ctx)?;
                match (binary.lhs_expr.evaluate(ctx), binary.rhs_expr.evaluate(ctx)) {
                    (Ok(Value::Number(a)), Ok(Value::Number(b))) => {
                        checked(binary.operator, &a, &b)
                    }
                    _ => Ok(()),
                }
            }
        },
        // The body runs per element, with names only the loop defines.
        Expression::ForExpr(for_expr) => {
            guard(&for_expr.collection_expr, ctx)?;
            let body = [
                &for_expr.key_expr,
                &Some(for_expr.value_expr.clone()),
                &for_expr.cond_expr,
            ];
            if body.into_iter().flatten().any(has_arithmetic) {
                return Err("arithmetic inside a `for` expression is not supported".into());
            }
            Ok(())
        }
        Expression::TemplateExpr(template) => match Template::from_expr(template) {
            Ok(template) => guard_template(&template, ctx),
            Err(_) => Ok(()),
        },
        _ => Ok(()),
    }
}

fn guard_template(template: &Template, ctx: &Context) -> Result<(), String> {
    template
        .elements()
        .iter()
        .try_for_each(|element| match element {
            Element::Literal(_) => Ok(()),
            Element::Interpolation(interpolation) => guard(&interpolation.expr, ctx),
            Element::Directive(directive) => match directive.as_ref() {
                Directive::If(when) => {
                    guard(&when.cond_expr, ctx)?;
                    match when.cond_expr.evaluate(ctx) {
                        Ok(Value::Bool(true)) => guard_template(&when.true_template, ctx),
                        Ok(Value::Bool(false)) => match &when.false_template {
                            Some(otherwise) => guard_template(otherwise, ctx),
                            None => Ok(()),
                        },
                        _ => Ok(()),
                    }
                }
                Directive::For(each) => {
                    guard(&each.collection_expr, ctx)?;
                    if template_has_arithmetic(&each.template) {
                        return Err(
                            "arithmetic inside a template's `for` directive is not supported"
                                .into(),
                        );
                    }
                    Ok(())
                }
            },
        })
}

/// Refuses what hcl-rs's number arithmetic would panic on, naming why.
fn checked(op: BinaryOperator, a: &Number, b: &Number) -> Result<(), String> {
    use BinaryOperator::{Div, Minus, Mod, Mul, Plus};
    if !matches!(op, Plus | Minus | Mul | Div | Mod) {
        return Ok(());
    }
    let (x, y) = (
        a.as_f64().unwrap_or(f64::NAN),
        b.as_f64().unwrap_or(f64::NAN),
    );
    let symbol = op.as_str();
    if matches!(op, Div | Mod) && y == 0.0 {
        return Err(format!("{a} {symbol} {b}: division by zero"));
    }
    let out_of_range = || Err(format!("{a} {symbol} {b}: the result is out of range"));
    match (integer(a), integer(b)) {
        // Integers of one sign are computed as integers (u64 for zero and
        // up, i64 below zero); division always as floats.
        (Some(p), Some(q)) if (p >= 0) == (q >= 0) && op != Div => {
            let exact = match op {
                Plus => p.checked_add(q),
                Minus => p.checked_sub(q),
                Mul => p.checked_mul(q),
                _ => p.checked_rem(q),
            };
            let fits = match exact {
                None => false,
                // Below zero from two non-negatives: computed as i64.
                Some(_) if p >= 0 && op == Minus && q > p => {
                    p <= i128::from(i64::MAX) && q <= i128::from(i64::MAX)
                }
                Some(r) if p >= 0 => (0..=i128::from(u64::MAX)).contains(&r),
                Some(r) => {
                    (i128::from(i64::MIN)..=i128::from(i64::MAX)).contains(&r)
                        && !(op == Mod && p == i128::from(i64::MIN) && q == -1)
                }
            };
            if fits {
                Ok(())
            } else {
                out_of_range()
            }
        }
        _ => {
            let result = match op {
                Plus => x + y,
                Minus => x - y,
                Mul => x * y,
                Div => x / y,
                _ => x % y,
            };
            if result.is_finite() {
                Ok(())
            } else {
                out_of_range()
            }
        }
    }
}

/// An integer number's value, or `None` for a float.
fn integer(n: &Number) -> Option<i128> {
    if n.is_f64() {
        return None;
    }
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

fn has_arithmetic(expr: &Expression) -> bool {
    match expr {
        Expression::Array(items) => items.iter().any(has_arithmetic),
        Expression::Object(object) => object.iter().any(|(key, value)| {
            matches!(key, ObjectKey::Expression(k) if has_arithmetic(k)) || has_arithmetic(value)
        }),
        Expression::Parenthesis(inner) => has_arithmetic(inner),
        Expression::FuncCall(call) => call.args.iter().any(has_arithmetic),
        Expression::Traversal(traversal) => {
            has_arithmetic(&traversal.expr)
                || traversal.operators.iter().any(
                    |op| matches!(op, TraversalOperator::Index(index) if has_arithmetic(index)),
                )
        }
        Expression::Conditional(cond) => [&cond.cond_expr, &cond.true_expr, &cond.false_expr]
            .into_iter()
            .any(has_arithmetic),
        Expression::Operation(op) => match op.as_ref() {
            Operation::Unary(unary) => has_arithmetic(&unary.expr),
            Operation::Binary(_) => true,
        },
        Expression::ForExpr(for_expr) => {
            has_arithmetic(&for_expr.collection_expr)
                || has_arithmetic(&for_expr.value_expr)
                || for_expr.key_expr.as_ref().is_some_and(has_arithmetic)
                || for_expr.cond_expr.as_ref().is_some_and(has_arithmetic)
        }
        Expression::TemplateExpr(template) => {
            Template::from_expr(template).is_ok_and(|t| template_has_arithmetic(&t))
        }
        _ => false,
    }
}

fn template_has_arithmetic(template: &Template) -> bool {
    template.elements().iter().any(|element| match element {
        Element::Literal(_) => false,
        Element::Interpolation(interpolation) => has_arithmetic(&interpolation.expr),
        Element::Directive(directive) => match directive.as_ref() {
            Directive::If(when) => {
                has_arithmetic(&when.cond_expr)
                    || template_has_arithmetic(&when.true_template)
                    || when
                        .false_template
                        .as_ref()
                        .is_some_and(template_has_arithmetic)
            }
            Directive::For(each) => {
                has_arithmetic(&each.collection_expr) || template_has_arithmetic(&each.template)
            }
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(text: &str) -> Result<Value, String> {
        let body: hcl::Body =
            hcl::from_str(&format!("x = {text}\n")).unwrap_or_else(|e| panic!("{e}"));
        let attr = body
            .attributes()
            .next()
            .unwrap_or_else(|| panic!("no attribute"));
        evaluate(attr.expr(), &Context::new())
    }

    #[test]
    fn arithmetic_the_evaluator_would_panic_on_is_an_error() {
        for (text, why) in [
            ("1/0", "division by zero"),
            ("0/0", "division by zero"),
            ("2 % 0", "division by zero"),
            ("2.5 % 0", "division by zero"),
            ("1e308 * 10", "out of range"),
            ("18446744073709551615 + 1", "out of range"),
            (
                "18446744073709551615 * 18446744073709551615",
                "out of range",
            ),
            ("-9223372036854775807 + -2", "out of range"),
            ("-9223372036854775807 * -3", "out of range"),
            ("0 - 9223372036854775808", "out of range"),
            ("[1, {a = \"${2 % 0}\"}]", "division by zero"),
            ("true ? 1 / 0 : 1", "division by zero"),
            ("[for v in [0] : 1 / v]", "not supported"),
        ] {
            let err = eval(text)
                .err()
                .unwrap_or_else(|| panic!("{text} evaluated"));
            assert!(err.contains(why), "{text}: {err}");
        }
    }

    #[test]
    fn arithmetic_in_range_evaluates_as_before() {
        for (text, value) in [
            ("384 * 2", Value::from(768)),
            ("7 % 3", Value::from(1)),
            ("1 / 4", Value::from(0.25)),
            ("2 - 5", Value::from(-3)),
            ("18446744073709551614 + 1", Value::from(u64::MAX)),
            ("-4 * -2", Value::from(8)),
            ("false ? 1 / 0 : 3", Value::from(3)),
            ("\"a${1 + 1}\"", Value::from("a2")),
        ] {
            assert_eq!(eval(text), Ok(value), "{text}");
        }
    }
}
