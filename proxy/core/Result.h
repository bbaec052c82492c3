#pragma once

#include <QString>

#include <utility>
#include <variant>

namespace ProxySmart {

// Why something was refused: a stable machine-readable code ("expired",
// "config.port_out_of_range") and a sentence for people.
struct Error
{
    QString code;
    QString message;
};

// A value or the reason there is none. Parsers of untrusted input return this
// instead of throwing, so a refusal always carries its reason.
template<typename T> class Result
{
public:
    Result(T value)
        : m_state(std::move(value))
    { }
    Result(Error error)
        : m_state(std::move(error))
    { }

    static Result failure(QString code, QString message)
    {
        return Result(Error {std::move(code), std::move(message)});
    }

    bool ok() const { return std::holds_alternative<T>(m_state); }
    explicit operator bool() const { return ok(); }

    const T &value() const & { return std::get<T>(m_state); }
    T &value() & { return std::get<T>(m_state); }
    T &&value() && { return std::get<T>(std::move(m_state)); }
    const T &operator*() const & { return value(); }
    const T *operator->() const { return &value(); }

    const Error &error() const { return std::get<Error>(m_state); }

private:
    std::variant<T, Error> m_state;
};

} // namespace ProxySmart
